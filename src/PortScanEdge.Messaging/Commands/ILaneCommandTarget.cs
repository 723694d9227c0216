namespace PortScanEdge.Messaging.Commands;

/// <summary>Who asked for a command, and why.</summary>
/// <param name="Command">Command name (<see cref="CommandNames"/>).</param>
/// <param name="RequestId">The sender's request id (its idempotency key).</param>
/// <param name="Sender">The authorised sender identity (client id or certificate identity).</param>
/// <param name="Reason">Free text the sender gave; empty when none.</param>
/// <param name="ReceivedAt">When the gateway received the command.</param>
public sealed record CommandContext(string Command, string RequestId, string Sender, string Reason, DateTimeOffset ReceivedAt);

/// <summary>What a lane answers to a command.</summary>
/// <param name="Accepted">True when the command was carried out (or already in effect).</param>
/// <param name="Reason">Why it was refused, or a short note on what was done.</param>
/// <param name="Result">Figures to return to the sender (e.g. the lane status for ping); null for none.</param>
public sealed record CommandResult(bool Accepted, string Reason, IReadOnlyDictionary<string, object?>? Result = null)
{
    /// <summary>The command was carried out.</summary>
    public static CommandResult Done(string note = "", IReadOnlyDictionary<string, object?>? result = null) => new(true, note, result);

    /// <summary>The command was refused, with the reason the sender will read; nothing was changed.</summary>
    public static CommandResult Refuse(string reason) => new(false, reason);
}

/// <summary>
/// Implemented by each lane so the control room can steer it. The messaging layer has already checked the
/// sender against the allow-list, the payload, the lane id and (for <see cref="SetThresholdAsync"/>) the range
/// <c>detection.threshold_min..threshold_max</c> before calling. A lane either carries out the whole command and
/// returns <see cref="CommandResult.Done"/>, or changes nothing and returns <see cref="CommandResult.Refuse"/>
/// (for example "vehicle scanning; close after it leaves") — never half of it. Calls are serialised: one command
/// at a time per gateway.
/// </summary>
public interface ILaneCommandTarget
{
    /// <summary>The lane id this target answers for.</summary>
    string LaneId { get; }

    /// <summary>Close the lane to new vehicles (red light, barrier down once empty).</summary>
    Task<CommandResult> CloseLaneAsync(CommandContext context, CancellationToken cancellationToken);

    /// <summary>Open a closed lane.</summary>
    Task<CommandResult> OpenLaneAsync(CommandContext context, CancellationToken cancellationToken);

    /// <summary>Set the alert threshold (already checked to be within the configured bounds).</summary>
    Task<CommandResult> SetThresholdAsync(double threshold, CommandContext context, CancellationToken cancellationToken);

    /// <summary>Ask for the vehicle (the current one, or <paramref name="transactionId"/>) to be scanned again.</summary>
    Task<CommandResult> RequestRescanAsync(string? transactionId, CommandContext context, CancellationToken cancellationToken);

    /// <summary>Report the lane's status (nothing changes).</summary>
    Task<CommandResult> PingAsync(CommandContext context, CancellationToken cancellationToken);
}

/// <summary>Where lanes register as command targets when they start (and unregister by disposing the token).</summary>
public interface ICommandTargetRegistry
{
    /// <summary>Registers a lane; a second registration for the same lane replaces the first.</summary>
    IDisposable Register(ILaneCommandTarget target);
}

/// <summary>The command names (last-but-one topic level of <c>…/cmd/{name}/{sender}</c>).</summary>
public static class CommandNames
{
    /// <summary>Close a lane. Payload: request_id, lane_id, reason?</summary>
    public const string CloseLane = "close_lane";

    /// <summary>Open a lane. Payload: request_id, lane_id, reason?</summary>
    public const string OpenLane = "open_lane";

    /// <summary>Set a lane's alert threshold. Payload: request_id, lane_id, threshold, reason?</summary>
    public const string SetThreshold = "set_threshold";

    /// <summary>Request a re-scan. Payload: request_id, lane_id, transaction_id?, reason?</summary>
    public const string Rescan = "rescan";

    /// <summary>Ping the gateway (no lane_id) or a lane. Payload: request_id, lane_id?</summary>
    public const string Ping = "ping";

    /// <summary>Every command name.</summary>
    public static IReadOnlyList<string> All { get; } = [CloseLane, OpenLane, SetThreshold, Rescan, Ping];
}
