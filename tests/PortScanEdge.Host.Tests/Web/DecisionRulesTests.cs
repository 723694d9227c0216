using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Host.Web;

namespace PortScanEdge.Host.Tests.Web;

public class DecisionRulesTests
{
    private const string TransactionId = "01M8M7HC3MTTVWW0HZK6QK4P98";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 18, 0, 0, TimeSpan.Zero);
    private static readonly OperatorCredential Supervisor = OperatorCredentials.Create("sam", OperatorRole.Supervisor, "9876", 1_000);
    private static readonly OperatorCredential OtherOperator = OperatorCredentials.Create("otto", OperatorRole.Operator, "5555", 1_000);
    private static readonly ConsoleSession Olga = new("session", "olga", OperatorRole.Operator, "csrf", Now);

    private static VehicleTransaction Awaiting(params ReferralReason[] reasons) => new()
    {
        Id = TransactionId,
        SiteId = "site",
        GatewayId = "gw",
        LaneId = "lane-1",
        Direction = LaneDirection.Northbound,
        Stage = TransactionStage.AwaitingDecision,
        ReferralReasons = reasons,
    };

    private static readonly OperatorCredentials Credentials =
        OperatorCredentials.Parse(OperatorCredentials.Format(Supervisor) + "\n" + OperatorCredentials.Format(OtherOperator), out _);

    private static OperatorCredential? Directory(string id, string pin) => Credentials.Verify(id, pin);

    private static DecisionCheck Check(VehicleTransaction? current, string? action, string? reason = null, string? supervisorId = null, string? supervisorPin = null, ConsoleSession? session = null) =>
        DecisionRules.Check(session ?? Olga, current, new DecisionRequest
        {
            TransactionId = TransactionId,
            Action = action,
            Reason = reason,
            SupervisorId = supervisorId,
            SupervisorPin = supervisorPin,
        }, Directory, Now);

    [Theory]
    [InlineData(ReferralReason.AnomalyAlert)]
    [InlineData(ReferralReason.RadiationAlarm)]
    [InlineData(ReferralReason.HotlistHit)]
    [InlineData(ReferralReason.NoPlateRead)]
    [InlineData(ReferralReason.StepFailed)]
    public void Refer_MachineReferredVehicle_AcceptedWithoutSupervisor(ReferralReason reason)
    {
        var check = Check(Awaiting(reason), "refer");
        Assert.Equal(new DecisionRecord(DecisionAction.Refer, "olga", Now, string.Empty, false, null), check.Record);
    }

    [Fact]
    public void Release_PolicyAlwaysAskOnly_IsNotAnOverride()
    {
        var check = Check(Awaiting(ReferralReason.PolicyAlwaysAsk), "release");
        Assert.NotNull(check.Record);
        Assert.False(check.Record!.IsOverride);
        Assert.Null(check.Record.Supervisor);
    }

    [Theory]
    [InlineData(ReferralReason.AnomalyAlert)]
    [InlineData(ReferralReason.RadiationAlarm)]
    [InlineData(ReferralReason.HotlistHit)]
    public void Release_MachineReferredWithoutSupervisor_Refused(ReferralReason reason)
    {
        var check = Check(Awaiting(ReferralReason.PolicyAlwaysAsk, reason), "release", reason: "looked at it myself, fine");
        Assert.Null(check.Record);
        Assert.Equal(DecisionRefusal.SupervisorRequired, check.Refusal);
    }

    [Fact]
    public void Release_MachineReferredWithSupervisorAndReason_IsOverrideNamingSupervisor()
    {
        var check = Check(Awaiting(ReferralReason.AnomalyAlert), "release", "  manifest checked: empty pallets  ", "sam", "9876");
        Assert.Equal(new DecisionRecord(DecisionAction.Release, "olga", Now, "manifest checked: empty pallets", true, "sam"), check.Record);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ok")]
    [InlineData("         short   ")]
    public void Release_MachineReferredWithoutWrittenReason_Refused(string? reason)
    {
        var check = Check(Awaiting(ReferralReason.AnomalyAlert), "release", reason, "sam", "9876");
        Assert.Equal(DecisionRefusal.Invalid, check.Refusal);
        Assert.Contains("reason", check.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sam", "0000")]     // wrong PIN
    [InlineData("otto", "5555")]    // right PIN, but an operator, not a supervisor
    [InlineData("nobody", "1234")]  // unknown id
    [InlineData("sam", "98x6")]     // not a PIN
    [InlineData("../sam", "9876")]  // not an id
    public void Release_MachineReferredWithBadSupervisor_Refused(string supervisorId, string pin)
    {
        var check = Check(Awaiting(ReferralReason.AnomalyAlert), "release", "manifest checked at the booth", supervisorId, pin);
        Assert.Equal(DecisionRefusal.SupervisorRequired, check.Refusal);
    }

    [Fact]
    public void Release_SupervisorAuthorisingTheirOwnOverride_Refused()
    {
        var samSession = new ConsoleSession("s2", "sam", OperatorRole.Supervisor, "csrf", Now);
        var check = Check(Awaiting(ReferralReason.AnomalyAlert), "release", "manifest checked at the booth", "sam", "9876", samSession);
        Assert.Equal(DecisionRefusal.SupervisorRequired, check.Refusal);
        Assert.Contains("someone other", check.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TransactionStage.Analysing)]
    [InlineData(TransactionStage.Releasing)]
    [InlineData(TransactionStage.Closed)]
    public void Decide_VehicleNotAwaitingDecision_Conflict(TransactionStage stage)
    {
        var check = Check(Awaiting(ReferralReason.AnomalyAlert) with { Stage = stage }, "refer");
        Assert.Equal(DecisionRefusal.NotAwaitingDecision, check.Refusal);
    }

    [Fact]
    public void Decide_OtherVehicleOrNone_Conflict()
    {
        Assert.Equal(DecisionRefusal.NotAwaitingDecision, Check(Awaiting() with { Id = "01M8M7HC3MTTVWW0HZK6QK4P99" }, "refer").Refusal);
        Assert.Equal(DecisionRefusal.NotAwaitingDecision, Check(null, "refer").Refusal);
    }

    [Theory]
    [InlineData("RELEASE")]
    [InlineData("open")]
    [InlineData("")]
    [InlineData(null)]
    public void Decide_UnknownAction_Invalid(string? action) =>
        Assert.Equal(DecisionRefusal.Invalid, Check(Awaiting(), action).Refusal);

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("nul\0")]
    [InlineData("escape\u001b[31m")]
    public void Decide_ReasonWithControlCharacters_Invalid(string reason) =>
        Assert.Equal(DecisionRefusal.Invalid, Check(Awaiting(), "refer", reason).Refusal);

    [Fact]
    public void Decide_ReasonTooLong_Invalid() =>
        Assert.Equal(DecisionRefusal.Invalid, Check(Awaiting(), "refer", new string('x', DecisionRules.MaximumReasonLength + 1)).Refusal);

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("01m8m7hc3mttvww0hzk6qk4p98")]
    [InlineData("01M8M7HC3MTTVWW0HZK6QK4P9")]
    [InlineData("01M8M7HC3MTTVWW0HZK6QK4P9U")]
    public void Decide_MalformedTransactionId_Invalid(string id)
    {
        var check = DecisionRules.Check(Olga, Awaiting(), new DecisionRequest { TransactionId = id, Action = "refer" }, Directory, Now);
        Assert.Equal(DecisionRefusal.Invalid, check.Refusal);
    }
}
