using PortScanEdge.Core.Transactions;
using PortScanEdge.Messaging.Contracts;
using PortScanEdge.Messaging.Outbox;

namespace PortScanEdge.Messaging.Publishing;

/// <summary>The <see cref="IControlRoomPublisher"/> over the durable outbox.</summary>
public sealed class ControlRoomPublisher(MessagingRuntime runtime) : IControlRoomPublisher
{
    /// <inheritdoc />
    public Task<PublishReceipt> PublishRecordAsync(VehicleTransaction record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Lane(record.LaneId, MessageSchemas.VehicleRecord, runtime.Topics.Records(record.LaneId), record, retain: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PublishReceipt> PublishLaneStateAsync(LaneStateReport state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Lane(state.LaneId, MessageSchemas.LaneState, runtime.Topics.LaneState(state.LaneId), state, retain: true, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PublishReceipt> PublishAlertAsync(AlertReport alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Lane(alert.LaneId, MessageSchemas.Alert, runtime.Topics.Alerts(alert.LaneId), alert, retain: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PublishReceipt> PublishDecisionAsync(DecisionReport decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return Lane(decision.LaneId, MessageSchemas.Decision, runtime.Topics.Decisions(decision.LaneId), decision, retain: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PublishReceipt> PublishDeviceHealthAsync(DeviceHealthReport health, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(health);
        CheckLevel(health.DeviceId, "device id");
        return Enqueue(new PendingMessage(Streams.Gateway, null, MessageSchemas.DeviceHealth, runtime.Topics.DeviceHealth(health.DeviceId), health, Retain: true), cancellationToken);
    }

    /// <inheritdoc />
    public Task<PublishReceipt> PublishAuditCheckpointAsync(AuditCheckpointReport checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Enqueue(new PendingMessage(Streams.Gateway, null, MessageSchemas.AuditCheckpoint, runtime.Topics.AuditCheckpoint, checkpoint, Retain: true), cancellationToken);
    }

    private static void CheckLevel(string value, string what)
    {
        if (!MqttTopics.IsValidLevel(value))
        {
            throw new ArgumentException($"'{value}' cannot be a topic level ({what})");
        }
    }

    private Task<PublishReceipt> Lane(string laneId, string schema, string topic, object data, bool retain, CancellationToken cancellationToken)
    {
        CheckLevel(laneId, "lane id");
        return Enqueue(new PendingMessage(Streams.Lane(laneId), laneId, schema, topic, data, retain), cancellationToken);
    }

    private async Task<PublishReceipt> Enqueue(PendingMessage message, CancellationToken cancellationToken)
    {
        var entry = await runtime.Outbox.EnqueueAsync(message, cancellationToken).ConfigureAwait(false);
        return new PublishReceipt(entry.MessageId, entry.Sequence, entry.Topic);
    }
}
