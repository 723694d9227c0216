using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Messaging.Contracts;

namespace PortScanEdge.Messaging.Tests.Infrastructure;

/// <summary>Realistic payloads with every optional part filled in, so schema validation covers them.</summary>
internal static class Samples
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static VehicleTransaction Record(string laneId, string gatewayId = "gw-test", int index = 0) => new()
    {
        Id = Ulid.New(T0.AddSeconds(index)),
        SiteId = "test-port",
        GatewayId = gatewayId,
        LaneId = laneId,
        Direction = LaneDirection.Northbound,
        Revision = 7,
        Stage = TransactionStage.Closed,
        Timestamps = new TransactionTimestamps
        {
            ArrivedAt = T0, IdentifiedAt = T0.AddSeconds(1), ScanStartedAt = T0.AddSeconds(2), ScanCompletedAt = T0.AddSeconds(8),
            AnalysedAt = T0.AddSeconds(9), DecidedAt = T0.AddSeconds(30), ReleasedAt = T0.AddSeconds(31), ClosedAt = T0.AddSeconds(40),
        },
        PlateReads =
        [
            new PlateReadRecord("plate-front-1", PlateReaderPosition.Front, T0.AddSeconds(1), [new PlateCandidateRecord("ABC1234", 0.93, false, null), new PlateCandidateRecord("MSCU1234566", 0.81, true, true)]),
        ],
        Scan = new ScanRecord("scanner-1", "dual", [new ScanImageRecord("scan.tiff", new string('a', 64), 1234567, 2048, 6000, 16, "high")]),
        Analysis = new AnalysisRecord(0.91, 0.5, Verdict.Alert, [new RegionRecord(10, 20, 30, 40, 0.97, 900)], new ModelIdentity("xray-anomaly", "1.0.0", new string('b', 64)),
            new Dictionary<string, double> { ["decode"] = 12.5, ["infer"] = 80.1 }),
        Radiation = RadiationStatus.Clear,
        Hotlist = new HotlistHit("ABC1234", "ABC1234", "stolen vehicle"),
        ReferralReasons = [ReferralReason.AnomalyAlert, ReferralReason.HotlistHit],
        Decision = new DecisionRecord(DecisionAction.Refer, "officer-17", T0.AddSeconds(30), "anomaly near the axle", false, null),
        Outcome = TransactionOutcome.Referred,
        OutcomeDetail = string.Empty,
    };

    public static LaneStateReport LaneState(string laneId, LaneStatus status = LaneStatus.Scanning) =>
        new(laneId, status, T0, Ulid.New(T0), 0.5, "scanning vehicle");

    public static DeviceHealthReport Health(string deviceId = "scanner-1") =>
        new(deviceId, DeviceKind.Scanner, DeviceHealthStatus.Degraded, T0, "slow responses", ["lane-1"]);

    public static AlertReport Alert(string laneId) =>
        new(laneId, Ulid.New(T0), [ReferralReason.AnomalyAlert], T0, 0.91, 0.5, "ABC1234", new HotlistHit("ABC1234", "ABC1234", ""), RadiationStatus.Clear, "anomaly score 0.91");

    public static DecisionReport Decision(string laneId) =>
        new(laneId, Ulid.New(T0), new DecisionRecord(DecisionAction.Release, "officer-17", T0, "override after manual search", true, "sup-2"), [ReferralReason.AnomalyAlert]);

    public static AuditCheckpointReport Checkpoint() =>
        new(42, new string('c', 64), Convert.ToBase64String(new byte[64]), "ecdsa-p256-sha256", T0, new string('d', 64));

    /// <summary>A health source with one failing check (the host's real one is tested in the host's tests).</summary>
    public sealed class FixedHealth : Contracts.IGatewayHealthSource
    {
        public Contracts.HealthPayload Snapshot() => new(
            "unready", 12.5, [new("model", true, "model loaded, every lane running"), new("device:scanner-1", false, "scanner-1: faulted (E42 interlock)")], 180.2, 3.5);
    }

    /// <summary>Fixed telemetry figures (the host's lane source is tested in the host's tests).</summary>
    public sealed class FixedGauges : Contracts.ITelemetryGaugeSource
    {
        public IReadOnlyDictionary<string, double> Gauges() => new Dictionary<string, double> { ["lane-1.vehicles"] = 3, ["detection.queue_depth"] = 0 };
    }
}
