using System.Globalization;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Messaging.Commands;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// What a control-room command does to a lane. The messaging layer has authorised the sender and validated the
/// payload; this either does the whole thing or refuses with a reason (never half of it).
/// </summary>
public sealed class LaneCommandTarget(LaneRuntime lane, LaneHub hub, SharedDetector detector, TimeProvider time) : ILaneCommandTarget
{
    /// <inheritdoc />
    public string LaneId => lane.LaneId;

    /// <inheritdoc />
    public Task<CommandResult> CloseLaneAsync(CommandContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = hub.StateOf(LaneId)?.State;
        if (state == LaneState.Closed)
        {
            return Task.FromResult(CommandResult.Done("lane already closed"));
        }

        return Task.FromResult(lane.Post(new LaneClosureRequested(time.GetUtcNow(), Close: true, context.Sender))
            ? CommandResult.Done(hub.CurrentOf(LaneId) is null ? "lane closed" : "lane closes once the vehicle in it has left")
            : CommandResult.Refuse("the lane is stopping"));
    }

    /// <inheritdoc />
    public Task<CommandResult> OpenLaneAsync(CommandContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(lane.Post(new LaneClosureRequested(time.GetUtcNow(), Close: false, context.Sender))
            ? CommandResult.Done("lane open")
            : CommandResult.Refuse("the lane is stopping"));
    }

    /// <inheritdoc />
    public Task<CommandResult> SetThresholdAsync(double threshold, CommandContext context, CancellationToken cancellationToken)
    {
        // One detector serves every lane of the gateway, so its threshold is the gateway's: say so in the answer.
        var previous = detector.Detector.Threshold;
        return Task.FromResult(detector.Detector.TrySetThreshold(threshold)
            ? CommandResult.Done(
                string.Create(CultureInfo.InvariantCulture, $"threshold {previous:0.###} -> {threshold:0.###} for scans analysed from now on (shared by every lane of this gateway)"),
                new Dictionary<string, object?> { ["threshold"] = threshold, ["previous_threshold"] = previous })
            : CommandResult.Refuse(string.Create(CultureInfo.InvariantCulture, $"threshold {threshold} is outside the configured bounds")));
    }

    /// <inheritdoc />
    public Task<CommandResult> RequestRescanAsync(string? transactionId, CommandContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = hub.CurrentOf(LaneId);
        var refusal = LaneStateMachine.RescanRefusal(hub.StateOf(LaneId)?.State ?? LaneState.Idle, current, transactionId, lane.Control);
        if (refusal is not null)
        {
            return Task.FromResult(CommandResult.Refuse(refusal));
        }

        // The event names the vehicle checked here, so a decision that lands first makes the lane ignore it
        // rather than re-scan whoever came next.
        return Task.FromResult(lane.Post(new RescanRequested(time.GetUtcNow(), current!.Id, context.Sender))
            ? CommandResult.Done(
                $"re-scan of vehicle {current.Id}: its record closes as rescan_requested and a new record (rescan_of {current.Id}) scans it again behind the closed barrier",
                new Dictionary<string, object?> { ["transaction_id"] = current.Id, ["scan_attempt"] = current.ScanAttempt + 1 })
            : CommandResult.Refuse("the lane is stopping"));
    }

    /// <inheritdoc />
    public Task<CommandResult> PingAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var state = hub.StateOf(LaneId);
        var current = hub.CurrentOf(LaneId);
        return Task.FromResult(CommandResult.Done("pong", new Dictionary<string, object?>
        {
            ["lane_state"] = state is null ? "starting" : Core.Configuration.ConfigNaming.ToSnakeCase(state.State.ToString()),
            ["transaction_id"] = current?.Id,
            ["threshold"] = detector.Detector.Threshold,
            ["vehicles"] = lane.Statistics.Vehicles,
        }));
    }
}
