using System.Text.Json.Serialization;

namespace PortScanEdge.Messaging.Contracts;

/// <summary>
/// The outer form of every message the gateway publishes (docs/asyncapi.yaml, docs/schemas/envelope.json):
/// what it is (<see cref="Schema"/>, <see cref="SchemaVersion"/>), its idempotency key (<see cref="MessageId"/>),
/// when the gateway created it, who sent it, its place in its stream (<see cref="Sequence"/>) and the payload.
/// Serialised with <c>TransactionJson</c> (snake_case, nulls omitted).
/// </summary>
public sealed record MessageEnvelope
{
    /// <summary>Payload kind, one of <see cref="MessageSchemas"/>.</summary>
    public required string Schema { get; init; }

    /// <summary>Version of the payload schema; incompatible changes get a new topic version (portscan/v2).</summary>
    public int SchemaVersion { get; init; } = MessageSchemas.Version;

    /// <summary>ULID; the same on every redelivery of this message, so consumers can drop duplicates.</summary>
    public required string MessageId { get; init; }

    /// <summary>When the gateway created the message (committed it to the outbox), UTC; unchanged on redelivery.</summary>
    public required DateTimeOffset SentAt { get; init; }

    /// <summary>Site id.</summary>
    public required string SiteId { get; init; }

    /// <summary>Gateway id.</summary>
    public required string GatewayId { get; init; }

    /// <summary>Lane id for lane messages; absent for gateway messages.</summary>
    public string? LaneId { get; init; }

    /// <summary>
    /// Position in the stream: per lane for lane messages (records, alerts, decisions, state share one counter),
    /// per gateway for gateway messages. Increases by one per message and survives restarts; a gap means a
    /// message was dropped by the outbox bound.
    /// </summary>
    public required long Sequence { get; init; }

    /// <summary>The payload; its shape depends on <see cref="Schema"/>.</summary>
    [JsonPropertyOrder(100)]
    public required object Data { get; init; }
}

/// <summary>The payload kinds (the <c>schema</c> field) and the schema version.</summary>
public static class MessageSchemas
{
    /// <summary>Current schema version of every payload.</summary>
    public const int Version = 1;

    /// <summary>Gateway availability (retained, Last Will).</summary>
    public const string Availability = "portscan.availability";

    /// <summary>Birth message published on every connect (retained).</summary>
    public const string Birth = "portscan.birth";

    /// <summary>Gateway telemetry (QoS 0).</summary>
    public const string Telemetry = "portscan.telemetry";

    /// <summary>Gateway health summary (retained).</summary>
    public const string Health = "portscan.health";

    /// <summary>Vehicle transaction record (QoS 1).</summary>
    public const string VehicleRecord = "portscan.vehicle_record";

    /// <summary>Lane state (retained, QoS 1).</summary>
    public const string LaneState = "portscan.lane_state";

    /// <summary>Device health (retained, QoS 1).</summary>
    public const string DeviceHealth = "portscan.device_health";

    /// <summary>Alert (QoS 1).</summary>
    public const string Alert = "portscan.alert";

    /// <summary>Operator decision (QoS 1).</summary>
    public const string Decision = "portscan.decision";

    /// <summary>Audit chain checkpoint (retained, QoS 1).</summary>
    public const string AuditCheckpoint = "portscan.audit_checkpoint";

    /// <summary>Response to a command.</summary>
    public const string CommandResponse = "portscan.command_response";
}
