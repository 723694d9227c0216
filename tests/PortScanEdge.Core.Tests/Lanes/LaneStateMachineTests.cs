using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Core.Tests.Lanes;

public class LaneStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly LaneControlOptions _control = new();
    private Hotlist _hotlist = Hotlist.Empty;

    private LaneStateMachine Create(bool interlockClosed = true, bool hasExitLoop = true) =>
        new(new LaneContext("site", "gw", "lane-1", LaneDirection.Northbound, ["front", "rear"], HasRadiationMonitor: true, hasExitLoop, _control),
            () => _hotlist, interlockClosed, emergencyStopPressed: false);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    private static PlateReadReceived Read(string reader, string plate, double seconds) =>
        new(At(seconds), new PlateReadRecord(reader, reader == "front" ? PlateReaderPosition.Front : PlateReaderPosition.Rear, At(seconds),
            [new PlateCandidateRecord(plate, 0.93, false, null)]));

    private static ScanRecord Scan() => new("scanner-1", "single", [new ScanImageRecord("a.png", "ab", 10, 100, 50, 16, "single")]);

    private static AnalysisRecord Analysis(double score) =>
        new(score, 0.5, score >= 0.5 ? Verdict.Alert : Verdict.Clear, [], new ModelIdentity("m", "1", "00"), new Dictionary<string, double>());

    /// <summary>Drives a vehicle over the entry loop and past both plate readers; returns its transaction id.</summary>
    private static string Identify(LaneStateMachine lane)
    {
        lane.Handle(new EntryLoopChanged(At(0), true));
        var id = lane.Current!.Id;
        lane.Handle(Read("front", "A", 0.1));
        lane.Handle(Read("rear", "A", 0.2));
        return id;
    }

    /// <summary>Drives a vehicle from the entry loop to a verified scan under analysis.</summary>
    private static string ToAnalysing(LaneStateMachine lane)
    {
        lane.Handle(new EntryLoopChanged(At(0), true));
        var id = lane.Current!.Id;
        lane.Handle(Read("front", "ABC123", 0.5));
        var effects = lane.Handle(Read("rear", "ABC123", 0.8));
        Assert.Contains(effects, e => e is StartScan s && s.TransactionId == id);
        lane.Handle(new ScanStartConfirmed(At(1), id));
        effects = lane.Handle(new ScanFinished(At(5), id, Scan(), Verified: true, string.Empty));
        Assert.Contains(effects, e => e is AnalyseScan a && a.TransactionId == id);
        Assert.Equal(LaneState.Analysing, lane.State);
        return id;
    }

    [Fact]
    public void Start_IsIdleWithFailSafeSignals()
    {
        var lane = Create();

        Assert.Equal(LaneState.Idle, lane.State);
        Assert.Equal(LaneSignals.Safe, lane.Signals);
        Assert.Null(lane.Current);
    }

    [Fact]
    public void ClearVehicle_IsReleasedAutomaticallyAndClosedWhenExitClears()
    {
        var lane = Create();
        var id = ToAnalysing(lane);

        var effects = lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));

        Assert.Equal(LaneState.Releasing, lane.State);
        Assert.Equal(new LaneSignals(true, false, true, false, false), lane.Signals);
        Assert.IsType<SetSignals>(effects[0]);
        Assert.Equal("policy", lane.Current!.Decision!.By);
        lane.Handle(new ExitLoopChanged(At(8), true));
        effects = lane.Handle(new ExitLoopChanged(At(9), false));

        var closed = Assert.Single(effects.OfType<TransactionClosed>()).Transaction;
        Assert.Equal(TransactionOutcome.Released, closed.Outcome);
        Assert.Equal(id, closed.Id);
        Assert.Equal(2, closed.PlateReads.Count);
        Assert.Equal(At(9), closed.Timestamps.ClosedAt);
        Assert.Equal(LaneState.Idle, lane.State);
        Assert.Equal(LaneSignals.Safe, lane.Signals);
    }

    [Fact]
    public void Alert_IsReferredWithBeaconAndBuzzerAndWaitsForOperator()
    {
        var lane = Create();
        var id = ToAnalysing(lane);

        var effects = lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.9)));

        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.Equal(LaneSignals.Alert, lane.Signals);
        Assert.Contains(effects, e => e is RaiseAlert);
        Assert.Equal([ReferralReason.AnomalyAlert], lane.Current!.ReferralReasons);
        Assert.DoesNotContain(lane.Handle(new Tick(At(3600))).OfType<SetSignals>(), s => s.Signals.BarrierOpen);
        Assert.Equal(LaneState.AwaitingDecision, lane.State);
    }

    [Fact]
    public void Alert_Acknowledged_SilencesBuzzerOnly()
    {
        var lane = Create();
        var id = ToAnalysing(lane);
        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.9)));

        lane.Handle(new AlertAcknowledged(At(7)));

        Assert.Equal(LaneSignals.AlertAcknowledged, lane.Signals);
    }

    [Theory]
    [InlineData(DecisionAction.Refer, TransactionOutcome.Referred)]
    [InlineData(DecisionAction.Release, TransactionOutcome.Released)]
    public void OperatorDecision_OpensBarrierThenClosesWithOutcome(DecisionAction action, TransactionOutcome expected)
    {
        var lane = Create();
        var id = ToAnalysing(lane);
        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.9)));
        var decision = new DecisionRecord(action, "op-7", At(20), action == DecisionAction.Release ? "paperwork checked" : "dense mass", action == DecisionAction.Release, action == DecisionAction.Release ? "sup-1" : null);

        lane.Handle(new OperatorDecided(At(20), id, decision));

        Assert.Equal(LaneState.Releasing, lane.State);
        Assert.True(lane.Signals.BarrierOpen);
        Assert.Equal(action == DecisionAction.Release, lane.Signals.Green);
        lane.Handle(new ExitLoopChanged(At(25), true));
        var closed = Assert.Single(lane.Handle(new ExitLoopChanged(At(26), false)).OfType<TransactionClosed>()).Transaction;
        Assert.Equal(expected, closed.Outcome);
        Assert.Equal(decision, closed.Decision);
    }

    [Fact]
    public void Rescan_WhileAwaitingDecision_ClosesTheRecordAndScansTheSameVehicleAgainUnderALinkedOne()
    {
        var lane = Create();
        var first = ToAnalysing(lane);
        lane.Handle(new AnalysisFinished(At(6), first, Analysis(0.9)));

        var effects = lane.Handle(new RescanRequested(At(10), first, "control-room"));

        // The first record closes with all it held (scan, analysis, reasons) and says why.
        var closed = Assert.Single(effects.OfType<TransactionClosed>()).Transaction;
        Assert.Equal(first, closed.Id);
        Assert.Equal(TransactionOutcome.RescanRequested, closed.Outcome);
        Assert.Equal("re-scan requested by control-room", closed.OutcomeDetail);
        Assert.NotNull(closed.Scan);
        Assert.Equal(0.9, closed.Analysis!.Score);
        Assert.Null(closed.Decision);

        // The vehicle is still behind the closed barrier: a new, linked record goes straight to scanning.
        var second = lane.Current!;
        Assert.NotEqual(first, second.Id);
        Assert.Equal(first, second.RescanOf);
        Assert.Equal(2, second.ScanAttempt);
        Assert.Equal(closed.PlateReads, second.PlateReads);
        Assert.Null(second.Scan);
        Assert.Null(second.Analysis);
        Assert.Empty(second.ReferralReasons);
        Assert.Equal(LaneState.Scanning, lane.State);
        Assert.False(lane.Signals.BarrierOpen);
        Assert.Contains(effects, e => e is StartScan start && start.TransactionId == second.Id);
        Assert.True(effects.ToList().FindIndex(e => e is TransactionClosed) < effects.ToList().FindIndex(e => e is StartScan));

        // The re-scan is clear this time, yet a re-scan never releases by itself: an operator decides, and the
        // vehicle leaves under the second record.
        lane.Handle(new ScanStartConfirmed(At(11), second.Id));
        lane.Handle(new ScanFinished(At(15), second.Id, Scan(), Verified: true, string.Empty));
        lane.Handle(new AnalysisFinished(At(16), second.Id, Analysis(0.1)));
        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.Equal([ReferralReason.Rescanned], lane.Current!.ReferralReasons);
        lane.Handle(new OperatorDecided(At(17), second.Id, new DecisionRecord(DecisionAction.Release, "op-7", At(17), "second scan clear, seal checked", true, "sup-1")));
        Assert.Equal(LaneState.Releasing, lane.State);
        lane.Handle(new ExitLoopChanged(At(18), true));
        var released = Assert.Single(lane.Handle(new ExitLoopChanged(At(19), false)).OfType<TransactionClosed>()).Transaction;
        Assert.Equal(TransactionOutcome.Released, released.Outcome);
        Assert.Equal(first, released.RescanOf);
    }

    [Fact]
    public void Rescan_RadiationAlarmDuringPassage_StaysWithTheVehicle()
    {
        var lane = Create();
        var first = ToAnalysing(lane);
        lane.Handle(new RadiationAlarmChanged(At(5.5), true));
        lane.Handle(new AnalysisFinished(At(6), first, Analysis(0.1)));
        lane.Handle(new RadiationAlarmChanged(At(7), false));

        lane.Handle(new RescanRequested(At(8), first, "control-room"));

        Assert.Equal(RadiationStatus.Alarm, lane.Current!.Radiation);
        lane.Handle(new ScanStartConfirmed(At(9), lane.Current.Id));
        lane.Handle(new ScanFinished(At(12), lane.Current.Id, Scan(), Verified: true, string.Empty));
        lane.Handle(new AnalysisFinished(At(13), lane.Current.Id, Analysis(0.1)));
        Assert.Equal([ReferralReason.RadiationAlarm, ReferralReason.Rescanned], lane.Current.ReferralReasons);
    }

    [Fact]
    public void Rescan_RefusedOutsideAwaitingDecision_ForAnotherVehicle_AndBeyondTheLimit()
    {
        _control.MaxRescans = 1;
        var lane = Create();
        var first = ToAnalysing(lane);
        Assert.Contains("awaits a decision", LaneStateMachine.RescanRefusal(lane.State, lane.Current, null, _control), StringComparison.Ordinal);
        Assert.Empty(lane.Handle(new RescanRequested(At(5.5), null, "control-room")));
        Assert.Equal(first, lane.Current!.Id);

        lane.Handle(new AnalysisFinished(At(6), first, Analysis(0.9)));
        Assert.Contains("is not the vehicle in the lane", LaneStateMachine.RescanRefusal(lane.State, lane.Current, "01OTHER", _control), StringComparison.Ordinal);
        Assert.Empty(lane.Handle(new RescanRequested(At(7), "01OTHER", "control-room")).OfType<TransactionClosed>());
        Assert.Equal(LaneState.AwaitingDecision, lane.State);

        // One re-scan allowed (no transaction id: whichever vehicle is in the lane)...
        Assert.Null(LaneStateMachine.RescanRefusal(lane.State, lane.Current, null, _control));
        lane.Handle(new RescanRequested(At(8), null, "control-room"));
        var second = lane.Current!.Id;
        lane.Handle(new ScanStartConfirmed(At(9), second));
        lane.Handle(new ScanFinished(At(12), second, Scan(), Verified: true, string.Empty));
        lane.Handle(new AnalysisFinished(At(13), second, Analysis(0.9)));

        // ...and not a second one: the vehicle waits for the operator.
        Assert.Contains("max_rescans allows 1", LaneStateMachine.RescanRefusal(lane.State, lane.Current, second, _control), StringComparison.Ordinal);
        Assert.Empty(lane.Handle(new RescanRequested(At(14), second, "control-room")).OfType<TransactionClosed>());
        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.Equal(second, lane.Current!.Id);
        Assert.Equal("no vehicle in the lane", LaneStateMachine.RescanRefusal(LaneState.Idle, null, null, _control));
    }

    [Fact]
    public void DecisionForAnotherTransaction_IsIgnored()
    {
        var lane = Create();
        var id = ToAnalysing(lane);
        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.9)));

        lane.Handle(new OperatorDecided(At(7), "01ARYZ6S41TSV4RRFFQ69G5FAV", new DecisionRecord(DecisionAction.Release, "op", At(7), "x", false, null)));

        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.False(lane.Signals.BarrierOpen);
    }

    [Fact]
    public void HotlistHit_IsReferredEvenWhenClear()
    {
        _hotlist = Hotlist.Parse("abc-123,stolen vehicle report 42\n").Hotlist;
        var lane = Create();
        var id = ToAnalysing(lane);

        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));

        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.Equal([ReferralReason.HotlistHit], lane.Current!.ReferralReasons);
        Assert.Equal("stolen vehicle report 42", lane.Current.Hotlist!.Note);
    }

    [Fact]
    public void RadiationAlarmDuringPassage_IsReferred()
    {
        var lane = Create();
        lane.Handle(new EntryLoopChanged(At(0), true));
        var id = lane.Current!.Id;
        lane.Handle(new RadiationAlarmChanged(At(0.2), true));
        lane.Handle(new RadiationAlarmChanged(At(0.4), false));
        lane.Handle(Read("front", "X1", 0.5));
        lane.Handle(Read("rear", "X1", 0.6));
        lane.Handle(new ScanStartConfirmed(At(1), id));
        lane.Handle(new ScanFinished(At(5), id, Scan(), true, string.Empty));

        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));

        Assert.Equal(RadiationStatus.Alarm, lane.Current!.Radiation);
        Assert.Equal([ReferralReason.RadiationAlarm], lane.Current.ReferralReasons);
    }

    [Fact]
    public void NoPlateRead_ScansAfterIdentifyTimeoutAndRefers()
    {
        var lane = Create();
        lane.Handle(new EntryLoopChanged(At(0), true));
        var id = lane.Current!.Id;

        Assert.DoesNotContain(lane.Handle(new Tick(At(2.9))), e => e is StartScan);
        Assert.Contains(lane.Handle(new Tick(At(3))), e => e is StartScan);
        lane.Handle(new ScanStartConfirmed(At(4), id));
        lane.Handle(new ScanFinished(At(8), id, Scan(), true, string.Empty));
        lane.Handle(new AnalysisFinished(At(9), id, Analysis(0.1)));

        Assert.Equal([ReferralReason.NoPlateRead], lane.Current!.ReferralReasons);
        Assert.Equal(LaneState.AwaitingDecision, lane.State);
    }

    [Fact]
    public void AlwaysAskPolicy_WaitsForOperatorWithoutAlarm()
    {
        _control.AutoReleaseClear = false;
        var lane = Create();
        var id = ToAnalysing(lane);

        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));

        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.Equal([ReferralReason.PolicyAlwaysAsk], lane.Current!.ReferralReasons);
        Assert.Equal(LaneSignals.Safe, lane.Signals);
    }

    [Fact]
    public void InterlockOpen_ScanWaitsThenStartsWhenItCloses()
    {
        var lane = Create(interlockClosed: false);
        lane.Handle(new EntryLoopChanged(At(0), true));
        lane.Handle(Read("front", "A", 0.1));

        Assert.DoesNotContain(lane.Handle(Read("rear", "A", 0.2)), e => e is StartScan);
        Assert.Equal(LaneState.Scanning, lane.State);
        Assert.Contains(lane.Handle(new InterlockChanged(At(2), true)), e => e is StartScan);
    }

    [Fact]
    public void InterlockStaysOpen_RefersWithInterlockOpenOutcome()
    {
        var lane = Create(interlockClosed: false);
        lane.Handle(new EntryLoopChanged(At(0), true));
        lane.Handle(Read("front", "A", 0.1));
        lane.Handle(Read("rear", "A", 0.2));

        var effects = lane.Handle(new Tick(At(16)));

        Assert.DoesNotContain(effects, e => e is StartScan or AbortScan);
        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.Equal(TransactionOutcome.InterlockOpen, lane.Current!.Failure);
    }

    [Fact]
    public void InterlockOpensDuringScan_AbortsAtOnce()
    {
        var lane = Create();
        var id = Identify(lane);
        lane.Handle(new ScanStartConfirmed(At(1), id));

        var effects = lane.Handle(new InterlockChanged(At(2), false));

        Assert.Contains(effects, e => e is AbortScan a && a.TransactionId == id);
        Assert.Equal(TransactionOutcome.InterlockOpen, lane.Current!.Failure);
    }

    [Fact]
    public void ScanTimeout_AbortsAndRefers()
    {
        var lane = Create();
        var id = Identify(lane);
        lane.Handle(new ScanStartConfirmed(At(1), id));

        Assert.Empty(lane.Handle(new Tick(At(60.9))));
        var effects = lane.Handle(new Tick(At(61)));

        Assert.Contains(effects, e => e is AbortScan);
        Assert.Contains(effects, e => e is RaiseAlert);
        Assert.Equal(TransactionOutcome.ScanTimeout, lane.Current!.Failure);
        Assert.Equal(LaneSignals.Alert, lane.Signals);
    }

    [Fact]
    public void ScanStartRefused_RefersWithScannerFault()
    {
        var lane = Create();
        var id = Identify(lane);

        lane.Handle(new ScanStartFailed(At(0.5), id, "not connected"));

        Assert.Equal(TransactionOutcome.ScannerFault, lane.Current!.Failure);
        Assert.Contains("not connected", lane.Current.OutcomeDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageIntegrityFailure_IsNeverAnalysed()
    {
        var lane = Create();
        var id = Identify(lane);
        lane.Handle(new ScanStartConfirmed(At(1), id));

        var effects = lane.Handle(new ScanFinished(At(5), id, Scan(), Verified: false, "SHA-256 mismatch"));

        Assert.DoesNotContain(effects, e => e is AnalyseScan);
        Assert.Equal(TransactionOutcome.ImageIntegrityFailed, lane.Current!.Failure);
        Assert.Contains(ReferralReason.StepFailed, lane.Current.ReferralReasons);
        Assert.Equal(LaneState.AwaitingDecision, lane.State);
    }

    [Fact]
    public void ScannerFault_DuringScan_AbortsAndRefers()
    {
        var lane = Create();
        var id = Identify(lane);
        lane.Handle(new ScanStartConfirmed(At(1), id));

        var effects = lane.Handle(new ScannerFaultReported(At(2), 0x21, "detector overheat"));

        Assert.Contains(effects, e => e is AbortScan);
        Assert.Equal(TransactionOutcome.ScannerFault, lane.Current!.Failure);
        Assert.Contains("detector overheat", lane.Current.OutcomeDetail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnalysisFailureOrTimeout_Refers(bool timeout)
    {
        var lane = Create();
        var id = ToAnalysing(lane);

        lane.Handle(timeout ? new Tick(At(5 + 30)) : new AnalysisFailed(At(6), id, "image refused: truncated PNG"));

        Assert.Equal(TransactionOutcome.AnalysisFailed, lane.Current!.Failure);
        Assert.Equal(LaneState.AwaitingDecision, lane.State);
    }

    [Fact]
    public void FailedStep_AfterOperatorRelease_ClosesWithTheFailureAsOutcome()
    {
        var lane = Create();
        var id = ToAnalysing(lane);
        lane.Handle(new AnalysisFailed(At(6), id, "detector error"));

        lane.Handle(new OperatorDecided(At(9), id, new DecisionRecord(DecisionAction.Refer, "op", At(9), "no analysis", false, null)));
        lane.Handle(new ExitLoopChanged(At(10), true));
        var closed = Assert.Single(lane.Handle(new ExitLoopChanged(At(11), false)).OfType<TransactionClosed>()).Transaction;

        Assert.Equal(TransactionOutcome.AnalysisFailed, closed.Outcome);
        Assert.Equal(DecisionAction.Refer, closed.Decision!.Action);
    }

    [Fact]
    public void EmergencyStop_DuringScan_AbortsAtOnceAndForcesSafeOutputs()
    {
        var lane = Create();
        var id = Identify(lane);
        lane.Handle(new ScanStartConfirmed(At(1), id));

        var effects = lane.Handle(new EmergencyStopChanged(At(2), true));

        var signals = Assert.IsType<SetSignals>(effects[0]).Signals;
        Assert.False(signals.BarrierOpen);
        Assert.True(signals.Red);
        Assert.Contains(effects, e => e is AbortScan a && a.TransactionId == id);
        Assert.Equal(LaneState.EmergencyStop, lane.State);
        Assert.Equal(TransactionOutcome.EmergencyStop, lane.Current!.Failure);
    }

    [Fact]
    public void EmergencyStop_WhileReleasing_ClosesBarrierAndNeedsOperatorAfterRelease()
    {
        var lane = Create();
        var id = ToAnalysing(lane);
        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));
        Assert.True(lane.Signals.BarrierOpen);

        lane.Handle(new EmergencyStopChanged(At(7), true));
        Assert.False(lane.Signals.BarrierOpen);
        Assert.Empty(lane.Handle(new ExitLoopChanged(At(8), true)).OfType<TransactionClosed>());
        lane.Handle(new EmergencyStopChanged(At(9), false));

        Assert.Equal(LaneState.AwaitingDecision, lane.State);
        Assert.False(lane.Signals.BarrierOpen);
    }

    [Fact]
    public void EmergencyStop_WhileIdle_ReturnsToIdle()
    {
        var lane = Create();
        lane.Handle(new EmergencyStopChanged(At(1), true));
        Assert.Empty(lane.Handle(new EntryLoopChanged(At(2), true)).OfType<TransactionChanged>());

        lane.Handle(new EmergencyStopChanged(At(3), false));

        Assert.Equal(LaneState.Idle, lane.State);
        Assert.Null(lane.Current);
    }

    [Fact]
    public void ExitTimeout_ClosesWithExitTimeout()
    {
        var lane = Create();
        var id = ToAnalysing(lane);
        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));

        var closed = Assert.Single(lane.Handle(new Tick(At(6 + 60))).OfType<TransactionClosed>()).Transaction;

        Assert.Equal(TransactionOutcome.ExitTimeout, closed.Outcome);
        Assert.False(lane.Signals.BarrierOpen);
    }

    [Fact]
    public void NoExitLoop_ReleaseEndsAfterExitTimeoutAsReleased()
    {
        var lane = Create(hasExitLoop: false);
        var id = ToAnalysing(lane);
        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));

        var closed = Assert.Single(lane.Handle(new Tick(At(6 + 60))).OfType<TransactionClosed>()).Transaction;

        Assert.Equal(TransactionOutcome.Released, closed.Outcome);
    }

    [Fact]
    public void CloseLane_WhileBusy_FinishesVehicleThenCloses_AndReopens()
    {
        var lane = Create();
        var id = ToAnalysing(lane);
        lane.Handle(new LaneClosureRequested(At(5.5), true, "control-room-1"));
        Assert.Equal(LaneState.Analysing, lane.State);
        lane.Handle(new AnalysisFinished(At(6), id, Analysis(0.1)));
        lane.Handle(new ExitLoopChanged(At(7), true));
        lane.Handle(new ExitLoopChanged(At(8), false));

        Assert.Equal(LaneState.Closed, lane.State);
        Assert.Empty(lane.Handle(new EntryLoopChanged(At(9), true)).OfType<TransactionChanged>());
        lane.Handle(new LaneClosureRequested(At(10), false, "control-room-1"));
        Assert.Equal(LaneState.Idle, lane.State);
    }

    [Fact]
    public void SecondArrivalWhileBusy_DoesNotStartAnotherTransaction()
    {
        var lane = Create();
        lane.Handle(new EntryLoopChanged(At(0), true));
        var id = lane.Current!.Id;

        lane.Handle(new EntryLoopChanged(At(0.5), false));
        lane.Handle(new EntryLoopChanged(At(0.7), true));

        Assert.Equal(id, lane.Current!.Id);
    }

    [Fact]
    public void Stopping_WithVehicle_AbortsScanClosesAsGatewayStoppedAndGoesSafe()
    {
        var lane = Create();
        var id = Identify(lane);

        var effects = lane.Handle(new LaneStopping(At(1)));

        Assert.Equal(LaneSignals.Safe, Assert.IsType<SetSignals>(effects[0]).Signals);
        Assert.Contains(effects, e => e is AbortScan a && a.TransactionId == id);
        Assert.Equal(TransactionOutcome.GatewayStopped, Assert.Single(effects.OfType<TransactionClosed>()).Transaction.Outcome);
    }

    [Fact]
    public void Revisions_IncreaseWithEveryChange()
    {
        var lane = Create();
        var revisions = new List<int>();
        void Collect(IReadOnlyList<LaneEffect> effects) => revisions.AddRange(effects.OfType<TransactionChanged>().Select(c => c.Transaction.Revision));

        Collect(lane.Handle(new EntryLoopChanged(At(0), true)));
        var id = lane.Current!.Id;
        Collect(lane.Handle(Read("front", "A", 0.1)));
        Collect(lane.Handle(Read("rear", "A", 0.2)));
        Collect(lane.Handle(new ScanStartConfirmed(At(1), id)));

        Assert.Equal(revisions.OrderBy(r => r), revisions);
        Assert.Equal(revisions.Distinct().Count(), revisions.Count);
    }

    [Fact]
    public void RandomEventSequences_NeverOpenTheBarrierWithoutADecisionOrDuringAStop()
    {
        // Safety property over many random interleavings (fixed seed: reproducible).
        var random = new Random(20261129);
        for (var run = 0; run < 300; run++)
        {
            var lane = Create(interlockClosed: random.Next(2) == 0);
            var time = 0.0;
            for (var step = 0; step < 60; step++)
            {
                time += random.NextDouble() * 10;
                var id = lane.Current?.Id ?? "none";
                LaneEvent e = random.Next(14) switch
                {
                    0 => new EntryLoopChanged(At(time), random.Next(2) == 0),
                    1 => new ExitLoopChanged(At(time), random.Next(2) == 0),
                    2 => new EmergencyStopChanged(At(time), random.Next(3) == 0),
                    3 => new InterlockChanged(At(time), random.Next(2) == 0),
                    4 => Read(random.Next(2) == 0 ? "front" : "rear", "P" + random.Next(5), time),
                    5 => new ScanStartConfirmed(At(time), id),
                    6 => new ScanFinished(At(time), id, Scan(), random.Next(4) != 0, "mismatch"),
                    7 => new AnalysisFinished(At(time), id, Analysis(random.NextDouble())),
                    8 => new OperatorDecided(At(time), id, new DecisionRecord(random.Next(2) == 0 ? DecisionAction.Release : DecisionAction.Refer, "op", At(time), "r", false, null)),
                    9 => new ScannerFaultReported(At(time), 1, "f"),
                    10 => new LaneClosureRequested(At(time), random.Next(2) == 0, "cr"),
                    11 => new RadiationAlarmChanged(At(time), random.Next(2) == 0),
                    12 => new AnalysisFailed(At(time), id, "x"),
                    _ => new Tick(At(time)),
                };
                var effects = lane.Handle(e);

                foreach (var set in effects.OfType<SetSignals>())
                {
                    if (set.Signals.BarrierOpen)
                    {
                        Assert.Equal(LaneState.Releasing, lane.State);
                        Assert.NotNull(lane.Current?.Decision);
                        Assert.False(lane.EmergencyStopPressed);
                    }
                }

                foreach (var start in effects.OfType<StartScan>())
                {
                    Assert.True(lane.InterlockClosed, "a scan started with the interlock open");
                    Assert.False(lane.EmergencyStopPressed, "a scan started during an emergency stop");
                    Assert.Equal(LaneState.Scanning, lane.State);
                    Assert.Equal(lane.Current!.Id, start.TransactionId);
                }

                Assert.Equal(lane.Signals.BarrierOpen, lane.State == LaneState.Releasing);
            }
        }
    }
    [Theory]
    [InlineData(0.91, 0.5, "0.91 ≥ 0.50")]
    [InlineData(0.9999972, 0.999989212, "1.00000 ≥ 0.99999")]
    [InlineData(0.99999195, 0.99999189, "0.99999195 ≥ 0.99999189")]
    public void AlertSummary_ScoreAndThreshold_AsManyDecimalsAsTellThemApart(double score, double threshold, string expected)
    {
        Assert.Equal(expected, LaneStateMachine.ScoreAgainstThreshold(score, threshold));
    }
}
