using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Messaging.Contracts;

/// <summary>Whether the gateway is connected.</summary>
public enum AvailabilityStatus
{
    /// <summary>Connected and publishing.</summary>
    Online,

    /// <summary>Disconnected: cleanly stopped, or the broker fired the Last Will.</summary>
    Offline,
}

/// <summary>Why the availability changed.</summary>
public enum AvailabilityReason
{
    /// <summary>The gateway connected (or reconnected).</summary>
    Connected,

    /// <summary>The gateway stopped cleanly.</summary>
    Shutdown,

    /// <summary>The broker lost the connection and published the Last Will.</summary>
    ConnectionLost,
}

/// <summary>Payload of <c>{root}/{gateway}/availability</c>.</summary>
/// <param name="Status">online or offline.</param>
/// <param name="Reason">Why.</param>
/// <param name="Since">When the status took effect (for the Last Will: when the connection it guards was made).</param>
public sealed record AvailabilityPayload(AvailabilityStatus Status, AvailabilityReason Reason, DateTimeOffset Since);

/// <summary>Payload of <c>{root}/{gateway}/birth</c>: who this gateway is, published on every connect.</summary>
/// <param name="Version">Gateway software version line.</param>
/// <param name="StartedAt">When the gateway process started.</param>
/// <param name="ConnectedAt">When this connection was made.</param>
/// <param name="ConnectCount">Connections made since the process started (1 on the first).</param>
/// <param name="Broker">The broker URI connected to.</param>
/// <param name="Protocol">v5 or v311.</param>
/// <param name="Lanes">The lanes this gateway serves.</param>
/// <param name="Topics">The topic root, so a consumer can find the rest.</param>
public sealed record BirthPayload(
    string Version,
    DateTimeOffset StartedAt,
    DateTimeOffset ConnectedAt,
    long ConnectCount,
    string Broker,
    string Protocol,
    IReadOnlyList<BirthLane> Lanes,
    string Topics);

/// <summary>One lane in a birth message.</summary>
/// <param name="Id">Lane id.</param>
/// <param name="Direction">Direction of traffic.</param>
public sealed record BirthLane(string Id, string Direction);

/// <summary>Payload of <c>{root}/{gateway}/telemetry</c> (QoS 0).</summary>
/// <param name="UptimeSeconds">Seconds since the gateway started.</param>
/// <param name="Connected">Whether the gateway is connected to a broker now.</param>
/// <param name="Broker">The broker URI in use (empty when disconnected).</param>
/// <param name="ConnectCount">Connections made since start.</param>
/// <param name="OutboxDepth">Messages waiting in the outbox.</param>
/// <param name="OutboxBytes">Payload bytes waiting in the outbox.</param>
/// <param name="OutboxOldestAgeSeconds">Age of the oldest waiting message; 0 when empty.</param>
/// <param name="OutboxDropped">Messages the outbox bound has dropped since start.</param>
/// <param name="Published">QoS 1 messages acknowledged by the broker since start.</param>
/// <param name="Gauges">Figures of the gateway's services by name (see <see cref="ITelemetryGaugeSource"/>), in name order.</param>
public sealed record TelemetryPayload(
    double UptimeSeconds,
    bool Connected,
    string Broker,
    long ConnectCount,
    long OutboxDepth,
    long OutboxBytes,
    double OutboxOldestAgeSeconds,
    long OutboxDropped,
    long Published,
    IReadOnlyDictionary<string, double> Gauges);

/// <summary>
/// Payload of <c>{root}/{gateway}/health</c> (retained, every telemetry interval): the gateway's verdict on
/// itself, the same checks as <c>/readyz</c>, and what the process costs, so a fleet view sees at a glance
/// which gateway is unhappy and why.
/// </summary>
/// <param name="Status"><c>ready</c> when every check passes, else <c>unready</c>.</param>
/// <param name="UptimeSeconds">Seconds since the gateway started.</param>
/// <param name="Checks">Every check (model and lanes, each device, the broker) with its detail in words.</param>
/// <param name="RssMb">Resident memory of the gateway process, MB.</param>
/// <param name="CpuPercent">CPU used since the previous summary, percent of one core.</param>
public sealed record HealthPayload(string Status, double UptimeSeconds, IReadOnlyList<HealthCheckPayload> Checks, double RssMb, double CpuPercent);

/// <summary>One check of a <see cref="HealthPayload"/>.</summary>
/// <param name="Name"><c>model</c>, <c>devices</c>, <c>device:ID</c> or <c>mqtt</c>.</param>
/// <param name="Ok">True when it passed.</param>
/// <param name="Detail">What a technician needs to know, in words.</param>
public sealed record HealthCheckPayload(string Name, bool Ok, string Detail);

/// <summary>Where the health summary comes from: the host that knows the lanes, devices and model.</summary>
public interface IGatewayHealthSource
{
    /// <summary>The summary now.</summary>
    HealthPayload Snapshot();
}

/// <summary>
/// Figures of the gateway's services that telemetry carries under <c>gauges</c> (e.g. <c>lane-1.vehicles</c>),
/// read each time telemetry is sent; provided by the host (the lanes), absent in a messaging-only host.
/// </summary>
public interface ITelemetryGaugeSource
{
    /// <summary>The figures now, by name.</summary>
    IReadOnlyDictionary<string, double> Gauges();
}

/// <summary>What a lane is doing, as the control room sees it.</summary>
public enum LaneStatus
{
    /// <summary>Open and empty.</summary>
    Idle,

    /// <summary>A vehicle triggered the entry loop.</summary>
    Arriving,

    /// <summary>Reading plates.</summary>
    Identifying,

    /// <summary>Scanning.</summary>
    Scanning,

    /// <summary>Analysing the radiograph.</summary>
    Analysing,

    /// <summary>Waiting for an operator decision.</summary>
    AwaitingDecision,

    /// <summary>Barrier open, waiting for the vehicle to leave.</summary>
    Releasing,

    /// <summary>A device fault stopped the lane.</summary>
    Fault,

    /// <summary>Emergency stop pressed.</summary>
    EmergencyStop,

    /// <summary>Closed by the control room.</summary>
    Closed,
}

/// <summary>Lane state, published retained on <c>{root}/{gateway}/lanes/{lane}/state</c>.</summary>
/// <param name="LaneId">Lane id.</param>
/// <param name="Status">What the lane is doing.</param>
/// <param name="Since">When it entered this status.</param>
/// <param name="TransactionId">The vehicle transaction in the lane, if any.</param>
/// <param name="Threshold">Alert threshold in force.</param>
/// <param name="Detail">Human-readable detail (fault text, who closed the lane); empty when none.</param>
public sealed record LaneStateReport(
    string LaneId,
    LaneStatus Status,
    DateTimeOffset Since,
    string? TransactionId = null,
    double? Threshold = null,
    string Detail = "");

/// <summary>Kind of device in a health report.</summary>
public enum DeviceKind
{
    /// <summary>Imaging scanner.</summary>
    Scanner,

    /// <summary>Licence-plate or container-code reader.</summary>
    PlateReader,

    /// <summary>GPIO lane I/O block.</summary>
    LaneIo,

    /// <summary>The anomaly detector.</summary>
    Detector,

    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>Health of a device.</summary>
public enum DeviceHealthStatus
{
    /// <summary>Working.</summary>
    Ok,

    /// <summary>Working with a problem (retries, slow responses).</summary>
    Degraded,

    /// <summary>Reported a fault.</summary>
    Fault,

    /// <summary>Not responding.</summary>
    Offline,
}

/// <summary>Device health, published retained on <c>{root}/{gateway}/devices/{device}/health</c>.</summary>
/// <param name="DeviceId">Device id.</param>
/// <param name="Kind">Kind of device.</param>
/// <param name="Status">Health.</param>
/// <param name="Since">When it entered this status.</param>
/// <param name="Detail">Fault text or other detail; empty when none.</param>
/// <param name="LaneIds">Lanes the device serves.</param>
public sealed record DeviceHealthReport(
    string DeviceId,
    DeviceKind Kind,
    DeviceHealthStatus Status,
    DateTimeOffset Since,
    string Detail = "",
    IReadOnlyList<string>? LaneIds = null);

/// <summary>An alert, published on <c>{root}/{gateway}/lanes/{lane}/alerts</c> when a vehicle is referred.</summary>
/// <param name="LaneId">Lane id.</param>
/// <param name="TransactionId">The vehicle transaction.</param>
/// <param name="Reasons">Why the vehicle was referred.</param>
/// <param name="RaisedAt">When the alert was raised.</param>
/// <param name="Score">Anomaly score, when the detector contributed.</param>
/// <param name="Threshold">Threshold applied, when the detector contributed.</param>
/// <param name="Plate">Best plate or container-code reading, if any.</param>
/// <param name="Hotlist">The hotlist entry that matched, if any.</param>
/// <param name="Radiation">Radiation status.</param>
/// <param name="Detail">Human-readable summary.</param>
public sealed record AlertReport(
    string LaneId,
    string TransactionId,
    IReadOnlyList<ReferralReason> Reasons,
    DateTimeOffset RaisedAt,
    double? Score = null,
    double? Threshold = null,
    string? Plate = null,
    HotlistHit? Hotlist = null,
    RadiationStatus Radiation = RadiationStatus.Clear,
    string Detail = "");

/// <summary>An operator's (or the policy's) decision, published on <c>{root}/{gateway}/lanes/{lane}/decisions</c>.</summary>
/// <param name="LaneId">Lane id.</param>
/// <param name="TransactionId">The vehicle transaction.</param>
/// <param name="Decision">What was decided, by whom, when and why.</param>
/// <param name="ReferralReasons">Why the machine referred the vehicle (empty when it did not).</param>
public sealed record DecisionReport(
    string LaneId,
    string TransactionId,
    DecisionRecord Decision,
    IReadOnlyList<ReferralReason> ReferralReasons);

/// <summary>Head of the audit chain, published retained on <c>{root}/{gateway}/audit/checkpoint</c>.</summary>
/// <param name="ChainSequence">Sequence number of the audit entry at the head.</param>
/// <param name="Hash">Lower-case hex SHA-256 of that entry.</param>
/// <param name="Signature">Base64 signature over the checkpoint.</param>
/// <param name="Algorithm">Signature algorithm, e.g. ecdsa-p256-sha256.</param>
/// <param name="At">When the checkpoint was taken.</param>
/// <param name="PublicKeySha256">Lower-case hex SHA-256 of the gateway's public key (SubjectPublicKeyInfo).</param>
public sealed record AuditCheckpointReport(
    long ChainSequence,
    string Hash,
    string Signature,
    string Algorithm,
    DateTimeOffset At,
    string PublicKeySha256);
