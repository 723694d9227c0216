using PortScanEdge.Core.Transactions;
using PortScanEdge.Messaging.Contracts;

namespace PortScanEdge.Messaging.Publishing;

/// <summary>A message committed to the outbox: its idempotency key and its place in its stream.</summary>
/// <param name="MessageId">ULID carried as <c>message_id</c>.</param>
/// <param name="Sequence">Position in the lane's (or the gateway's) stream.</param>
/// <param name="Topic">The topic it will be published on.</param>
public sealed record PublishReceipt(string MessageId, long Sequence, string Topic);

/// <summary>
/// What the lane hands to the control room. Every method commits the message to the durable outbox (SQLite, WAL,
/// synchronous=FULL) and returns once it is on disk — it never waits for the broker, so a broker outage never
/// stalls the lane. The outbox relay then publishes at QoS 1 in order per lane and deletes only after PUBACK.
/// Lane messages (records, lane state, alerts, decisions) share the lane's <c>sequence</c>; device health and
/// audit checkpoints are in the gateway's stream. Throws only when the outbox itself cannot be written
/// (disk full or failed) — the caller should log it and carry on: the audit log still has the record.
/// </summary>
public interface IControlRoomPublisher
{
    /// <summary>A vehicle transaction record (any revision) on <c>…/lanes/{lane}/records</c>, QoS 1.</summary>
    Task<PublishReceipt> PublishRecordAsync(VehicleTransaction record, CancellationToken cancellationToken = default);

    /// <summary>The lane's state on <c>…/lanes/{lane}/state</c>, QoS 1, retained.</summary>
    Task<PublishReceipt> PublishLaneStateAsync(LaneStateReport state, CancellationToken cancellationToken = default);

    /// <summary>A device's health on <c>…/devices/{device}/health</c>, QoS 1, retained.</summary>
    Task<PublishReceipt> PublishDeviceHealthAsync(DeviceHealthReport health, CancellationToken cancellationToken = default);

    /// <summary>An alert on <c>…/lanes/{lane}/alerts</c>, QoS 1.</summary>
    Task<PublishReceipt> PublishAlertAsync(AlertReport alert, CancellationToken cancellationToken = default);

    /// <summary>An operator decision on <c>…/lanes/{lane}/decisions</c>, QoS 1.</summary>
    Task<PublishReceipt> PublishDecisionAsync(DecisionReport decision, CancellationToken cancellationToken = default);

    /// <summary>An audit chain checkpoint on <c>…/audit/checkpoint</c>, QoS 1, retained.</summary>
    Task<PublishReceipt> PublishAuditCheckpointAsync(AuditCheckpointReport checkpoint, CancellationToken cancellationToken = default);
}
