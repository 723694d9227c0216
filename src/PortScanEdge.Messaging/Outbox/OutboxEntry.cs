namespace PortScanEdge.Messaging.Outbox;

/// <summary>A message committed to the outbox, waiting for its PUBACK.</summary>
/// <param name="Id">Outbox row id: increases with every message, never reused; the relay sends in this order.</param>
/// <param name="Stream">Sequence stream: <c>lane:{id}</c> or <c>gateway</c>.</param>
/// <param name="Sequence">Position in the stream (also in the payload).</param>
/// <param name="MessageId">ULID (also in the payload).</param>
/// <param name="Topic">MQTT topic.</param>
/// <param name="Payload">The serialised envelope, exactly as sent on every attempt.</param>
/// <param name="Retain">MQTT retain flag.</param>
/// <param name="CreatedAt">When it was committed.</param>
/// <param name="ExpiresAt">When the age bound drops it (also the basis of the MQTT 5 message expiry).</param>
public sealed record OutboxEntry(
    long Id,
    string Stream,
    long Sequence,
    string MessageId,
    string Topic,
    byte[] Payload,
    bool Retain,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);

/// <summary>What the lane hands the outbox: a payload for a topic, before it gets its sequence and id.</summary>
/// <param name="Stream">Sequence stream: <see cref="Streams.Lane"/> or <see cref="Streams.Gateway"/>.</param>
/// <param name="LaneId">Lane id written to the envelope; null for gateway messages.</param>
/// <param name="Schema">Payload kind (<c>MessageSchemas</c>).</param>
/// <param name="Topic">MQTT topic.</param>
/// <param name="Data">The payload object, serialised with <c>TransactionJson</c>.</param>
/// <param name="Retain">MQTT retain flag.</param>
public sealed record PendingMessage(string Stream, string? LaneId, string Schema, string Topic, object Data, bool Retain);

/// <summary>Names of sequence streams.</summary>
public static class Streams
{
    /// <summary>The gateway's own stream (availability, birth, telemetry, device health, checkpoints, responses).</summary>
    public const string Gateway = "gateway";

    /// <summary>The stream of one lane.</summary>
    public static string Lane(string laneId) => "lane:" + laneId;
}

/// <summary>Size of the outbox now.</summary>
/// <param name="Depth">Messages waiting.</param>
/// <param name="Bytes">Payload bytes waiting.</param>
/// <param name="DroppedByCapacity">Messages dropped since start because the outbox was full.</param>
/// <param name="DroppedByAge">Messages dropped since start because they were older than max_age.</param>
public sealed record OutboxStats(long Depth, long Bytes, long DroppedByCapacity, long DroppedByAge);
