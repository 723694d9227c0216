using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Devices.Health;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Messaging.Contracts;
using PortScanEdge.Messaging.Publishing;
using MessagingDeviceKind = PortScanEdge.Messaging.Contracts.DeviceKind;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// Carries what the lanes report to the control room: records, alerts, decisions, lane state and device health,
/// through the durable publisher (QoS 1 messages are in the SQLite outbox before this returns). Reads its own
/// hub subscription, so a broker outage never stalls a lane or the console. Drains the subscription to its end
/// at shutdown (the lanes stop first), so the last records are in the outbox before the gateway exits.
/// </summary>
public sealed partial class ControlRoomBridge(
    LaneHub hub,
    DeviceHealthMonitor health,
    IControlRoomPublisher publisher,
    ILogger<ControlRoomBridge> logger) : BackgroundService
{
    private readonly ChannelHealthQueue _health = new();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var notifications = hub.Subscribe();
        health.Changed += (_, device) => _health.Post(device);
        foreach (var device in health.Snapshot())
        {
            _health.Post(device);
        }

        var healthTask = PublishHealthAsync(stoppingToken);
        var decided = new HashSet<string>(StringComparer.Ordinal);

        // Not cancelled by stoppingToken: the hub completes once the lanes have stopped, and what they
        // said last (records closed as gateway_stopped) must still reach the outbox.
        await foreach (var notification in notifications.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                switch (notification)
                {
                    case TransactionNotification { Closed: true } closed:
                        if (closed.Transaction.Decision is { } finalDecision && decided.Add(closed.Transaction.Id))
                        {
                            await publisher.PublishDecisionAsync(new DecisionReport(closed.LaneId, closed.Transaction.Id, finalDecision, closed.Transaction.ReferralReasons), CancellationToken.None).ConfigureAwait(false);
                        }

                        decided.Remove(closed.Transaction.Id);
                        await publisher.PublishRecordAsync(closed.Transaction, CancellationToken.None).ConfigureAwait(false);
                        break;
                    case TransactionNotification open when open.Transaction.Decision is { } decision && decided.Add(open.Transaction.Id):
                        await publisher.PublishDecisionAsync(new DecisionReport(open.LaneId, open.Transaction.Id, decision, open.Transaction.ReferralReasons), CancellationToken.None).ConfigureAwait(false);
                        break;
                    case AlertNotification alert:
                        var t = alert.Transaction;
                        await publisher.PublishAlertAsync(new AlertReport(
                            alert.LaneId,
                            t.Id,
                            t.ReferralReasons,
                            alert.At,
                            t.Analysis?.Score,
                            t.Analysis?.Threshold,
                            t.PlateReads.Count > 0 ? t.PlateReads[0].Candidates[0].Text : null,
                            t.Hotlist,
                            t.Radiation,
                            alert.Summary), CancellationToken.None).ConfigureAwait(false);
                        break;
                    case LaneStateNotification state:
                        await publisher.PublishLaneStateAsync(new LaneStateReport(
                            state.LaneId,
                            ToStatus(state.State),
                            state.At,
                            hub.CurrentOf(state.LaneId)?.Id,
                            Detail: state.Detail), CancellationToken.None).ConfigureAwait(false);
                        break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The publisher reports expected outcomes as receipts; an exception here is a local failure
                // (outbox disk full, disposed at shutdown): log it and keep serving the other messages.
                LogPublishFailed(logger, notification.GetType().Name, notification.LaneId, ex.Message);
            }
        }

        _health.Complete();
        await healthTask.ConfigureAwait(false);
    }

    private async Task PublishHealthAsync(CancellationToken cancellationToken)
    {
        await foreach (var device in _health.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await publisher.PublishDeviceHealthAsync(new DeviceHealthReport(
                    device.DeviceId,
                    device.Kind switch
                    {
                        Devices.Health.DeviceKind.Scanner => MessagingDeviceKind.Scanner,
                        Devices.Health.DeviceKind.PlateReader => MessagingDeviceKind.PlateReader,
                        _ => MessagingDeviceKind.LaneIo,
                    },
                    device.State switch
                    {
                        DeviceHealthState.Connected => DeviceHealthStatus.Ok,
                        DeviceHealthState.Starting => DeviceHealthStatus.Degraded,
                        DeviceHealthState.Faulted => DeviceHealthStatus.Fault,
                        _ => DeviceHealthStatus.Offline,
                    },
                    device.Since,
                    device.Reason), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPublishFailed(logger, "DeviceHealth", device.DeviceId, ex.Message);
            }
        }
    }

    private static LaneStatus ToStatus(LaneState state) => state switch
    {
        LaneState.Identifying => LaneStatus.Identifying,
        LaneState.Scanning => LaneStatus.Scanning,
        LaneState.Analysing => LaneStatus.Analysing,
        LaneState.AwaitingDecision => LaneStatus.AwaitingDecision,
        LaneState.Releasing => LaneStatus.Releasing,
        LaneState.EmergencyStop => LaneStatus.EmergencyStop,
        LaneState.Closed => LaneStatus.Closed,
        _ => LaneStatus.Idle,
    };

    [LoggerMessage(EventId = 1130, Level = LogLevel.Error, Message = "Could not hand {Kind} of {Subject} to the control-room publisher: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string kind, string subject, string reason);

    /// <summary>Device health changes arrive on driver threads; this queue hands them to the publishing loop.</summary>
    private sealed class ChannelHealthQueue
    {
        private readonly System.Threading.Channels.Channel<DeviceHealth> _channel =
            System.Threading.Channels.Channel.CreateUnbounded<DeviceHealth>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });

        public void Post(DeviceHealth health) => _channel.Writer.TryWrite(health);

        public void Complete() => _channel.Writer.TryComplete();

        public IAsyncEnumerable<DeviceHealth> ReadAllAsync() => _channel.Reader.ReadAllAsync();
    }
}

/// <summary>Publishes audit checkpoints to the control room (retained), so a local rewrite can no longer match them.</summary>
public sealed class MqttCheckpointPublisher(IControlRoomPublisher publisher) : ICheckpointPublisher
{
    /// <inheritdoc />
    public async Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        await publisher.PublishAuditCheckpointAsync(
            new AuditCheckpointReport(
                checkpoint.Seq,
                checkpoint.Hash,
                checkpoint.Signature,
                "ecdsa-p256-sha256",
                DateTimeOffset.Parse(checkpoint.At, System.Globalization.CultureInfo.InvariantCulture),
                checkpoint.KeyFingerprint),
            cancellationToken).ConfigureAwait(false);
    }
}
