using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Host.Web;

/// <summary>A decision as the browser posts it (JSON, snake_case).</summary>
public sealed class DecisionRequest
{
    /// <summary>The transaction the operator saw (must still be the lane's current one).</summary>
    public string? TransactionId { get; set; }

    /// <summary><c>release</c> or <c>refer</c>.</summary>
    public string? Action { get; set; }

    /// <summary>Free-text reason; required (at least <see cref="DecisionRules.MinimumOverrideReasonLength"/> characters) for an override.</summary>
    public string? Reason { get; set; }

    /// <summary>The authorising supervisor's id, for an override.</summary>
    public string? SupervisorId { get; set; }

    /// <summary>The authorising supervisor's PIN, for an override.</summary>
    public string? SupervisorPin { get; set; }
}

/// <summary>Why a decision was refused; maps to an HTTP status.</summary>
public enum DecisionRefusal
{
    /// <summary>The request is malformed (400).</summary>
    Invalid,

    /// <summary>The supervisor's credentials are missing or wrong, or not a supervisor's (403).</summary>
    SupervisorRequired,

    /// <summary>The vehicle is no longer waiting for this decision (409).</summary>
    NotAwaitingDecision,
}

/// <summary>The result of checking a decision: the record to post to the lane, or why not.</summary>
/// <param name="Record">The decision, when accepted.</param>
/// <param name="Refusal">Why it was refused, when it was.</param>
/// <param name="Message">What is wrong, in words for the operator.</param>
public sealed record DecisionCheck(DecisionRecord? Record, DecisionRefusal? Refusal, string Message)
{
    internal static DecisionCheck Refuse(DecisionRefusal refusal, string message) => new(null, refusal, message);
}

/// <summary>
/// The console's authorisation rules for decisions, pure so they are tested without a browser:
/// any signed-in operator may refer, and may release a vehicle the machine did not refer; releasing a vehicle the
/// machine referred (any referral reason but <see cref="ReferralReason.PolicyAlwaysAsk"/>) is an override that
/// needs a written reason and the PIN of a supervisor other than the signed-in operator (four eyes).
/// </summary>
public static class DecisionRules
{
    /// <summary>Shortest override reason accepted, in characters (after trimming).</summary>
    public const int MinimumOverrideReasonLength = 10;

    /// <summary>Longest reason accepted, in characters.</summary>
    public const int MaximumReasonLength = 500;

    /// <summary>True when the machine referred the vehicle, so releasing it is an override.</summary>
    public static bool IsMachineReferred(VehicleTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        foreach (var reason in transaction.ReferralReasons)
        {
            if (reason != ReferralReason.PolicyAlwaysAsk)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks <paramref name="request"/> by <paramref name="session"/> against the lane's current transaction.</summary>
    /// <param name="session">The signed-in operator.</param>
    /// <param name="current">The lane's open transaction, or null.</param>
    /// <param name="request">What the browser posted.</param>
    /// <param name="verifySupervisor">Checks an id and PIN; returns the entry or null (rate-limited by the caller).</param>
    /// <param name="at">Now.</param>
    public static DecisionCheck Check(
        ConsoleSession session,
        VehicleTransaction? current,
        DecisionRequest request,
        Func<string, string, OperatorCredential?> verifySupervisor,
        DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(verifySupervisor);

        if (request.TransactionId is null || !RequestValidation.IsTransactionId(request.TransactionId))
        {
            return DecisionCheck.Refuse(DecisionRefusal.Invalid, "transaction_id must be a 26-character ULID");
        }

        DecisionAction action;
        switch (request.Action)
        {
            case "release":
                action = DecisionAction.Release;
                break;
            case "refer":
                action = DecisionAction.Refer;
                break;
            default:
                return DecisionCheck.Refuse(DecisionRefusal.Invalid, "action must be 'release' or 'refer'");
        }

        var reason = (request.Reason ?? string.Empty).Trim();
        if (reason.Length > MaximumReasonLength)
        {
            return DecisionCheck.Refuse(DecisionRefusal.Invalid, $"reason must be at most {MaximumReasonLength} characters");
        }

        if (!RequestValidation.IsPrintable(reason))
        {
            return DecisionCheck.Refuse(DecisionRefusal.Invalid, "reason must not contain control characters");
        }

        if (current is null || current.Id != request.TransactionId || current.Stage != TransactionStage.AwaitingDecision)
        {
            return DecisionCheck.Refuse(DecisionRefusal.NotAwaitingDecision, "this vehicle is no longer waiting for a decision");
        }

        var isOverride = action == DecisionAction.Release && IsMachineReferred(current);
        string? supervisor = null;
        if (isOverride)
        {
            if (reason.Length < MinimumOverrideReasonLength)
            {
                return DecisionCheck.Refuse(DecisionRefusal.Invalid, $"releasing a referred vehicle needs a written reason of at least {MinimumOverrideReasonLength} characters");
            }

            var supervisorId = request.SupervisorId?.Trim() ?? string.Empty;
            if (!OperatorCredentials.IsValidOperatorId(supervisorId) || !OperatorCredentials.IsValidPin(request.SupervisorPin))
            {
                return DecisionCheck.Refuse(DecisionRefusal.SupervisorRequired, "releasing a referred vehicle needs a supervisor's id and PIN");
            }

            if (string.Equals(supervisorId, session.OperatorId, StringComparison.Ordinal))
            {
                return DecisionCheck.Refuse(DecisionRefusal.SupervisorRequired, "the supervisor must be someone other than the signed-in operator");
            }

            var entry = verifySupervisor(supervisorId, request.SupervisorPin!);
            if (entry is null || entry.Role != OperatorRole.Supervisor)
            {
                return DecisionCheck.Refuse(DecisionRefusal.SupervisorRequired, "supervisor id or PIN not accepted");
            }

            supervisor = entry.OperatorId;
        }

        return new DecisionCheck(new DecisionRecord(action, session.OperatorId, at, reason, isOverride, supervisor), null, "accepted");
    }
}
