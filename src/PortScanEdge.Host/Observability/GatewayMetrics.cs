using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Devices.Health;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Messaging.Connection;

namespace PortScanEdge.Host.Observability;

/// <summary>
/// The gateway's own instruments (meter <c>PortScanEdge.Gateway</c>): per-stage latency of every closed vehicle
/// transaction, detector step times, counters of vehicles, alerts, decisions and overrides, and gauges read at
/// scrape time (queue depths, device states, model loaded, MQTT connected). The messaging layer's instruments
/// (outbox depth, publishes, drops) live in <c>PortScanEdge.Messaging</c>; the exporter shows both.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "PortScanEdge.Gateway";

    /// <summary>Every device state, so a state the device is not in is exported as 0 instead of missing.</summary>
    private static readonly DeviceHealthState[] DeviceStates = Enum.GetValues<DeviceHealthState>();

    /// <summary>The <see cref="DecisionRecord.By"/> of decisions the lane's policy made (LaneStateMachine).</summary>
    private const string PolicyDecider = "policy";

    private readonly Meter _meter;
    private readonly Histogram<double> _stageSeconds;
    private readonly Histogram<double> _detectorMilliseconds;
    private readonly Counter<long> _vehicles;
    private readonly Counter<long> _alerts;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _overrides;

    /// <summary>Creates the instruments; the gauges read <paramref name="lanes"/>, <paramref name="devices"/> and <paramref name="mqtt"/> when scraped.</summary>
    /// <param name="lanes">The running lanes.</param>
    /// <param name="devices">Device health.</param>
    /// <param name="mqtt">The broker connection; null leaves out <c>portscan_edge_mqtt_connected</c>.</param>
    /// <param name="options">When given, alert and override counters start at 0 for every configured lane, so a scraper sees them before the first event.</param>
    /// <param name="meterFactory">Creates the meter (the host's, so it is disposed with the host).</param>
    /// <param name="exporter">Taken only so that it exists, and listens, before the zero baselines are recorded.</param>
    /// <param name="storage">The data directory's file system; null leaves out <c>portscan_edge_storage_*</c>.</param>
    public GatewayMetrics(LaneRegistry lanes, DeviceHealthMonitor devices, MqttConnectionSupervisor? mqtt = null, IOptions<PortScanEdgeOptions>? options = null, IMeterFactory? meterFactory = null, PrometheusExporter? exporter = null, DataStorage? storage = null)
    {
        _ = exporter;
        ArgumentNullException.ThrowIfNull(lanes);
        ArgumentNullException.ThrowIfNull(devices);
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _stageSeconds = _meter.CreateHistogram<double>("portscan_edge.lane.stage_duration", unit: "s", description: "Time a vehicle spent in each stage of its transaction (identify, scan_wait, scan, analysis, decision, exit, total)");
        _detectorMilliseconds = _meter.CreateHistogram<double>("portscan_edge.detection.step_duration", unit: "ms", description: "Detector time per radiograph by step (decode, preprocess, infer, postprocess); step=infer is the ONNX Runtime inference");
        _vehicles = _meter.CreateCounter<long>("portscan_edge.lane.vehicles", description: "Vehicle transactions closed, by lane and outcome");
        _alerts = _meter.CreateCounter<long>("portscan_edge.lane.alerts", description: "Alerts raised for operators and the control room, by lane");
        _decisions = _meter.CreateCounter<long>("portscan_edge.lane.decisions", description: "Release/refer decisions, by lane, action and who decided (policy or operator)");
        _overrides = _meter.CreateCounter<long>("portscan_edge.lane.overrides", description: "Vehicles the machine referred that were released anyway, by lane");

        _meter.CreateObservableGauge("portscan_edge.detection.queue_depth", () => lanes.Lanes.Take(1).Select(l => new Measurement<int>(l.DetectorQueueDepth)), description: "Scans waiting for the shared detector");
        _meter.CreateObservableGauge("portscan_edge.model.loaded", () => lanes.Ready.IsCompletedSuccessfully ? 1 : 0, description: "1 once the model is loaded and every lane runs");
        _meter.CreateObservableGauge("portscan_edge.device.state", () => DeviceStateMeasurements(devices), description: "1 for the state each device is in, 0 for the others");
        _meter.CreateObservableGauge("portscan_edge.device.usable", () => devices.Snapshot().Select(d => new Measurement<int>(d.IsUsable ? 1 : 0, Tag("device", d.DeviceId), Tag("kind", KindName(d.Kind)))), description: "1 when the device is connected and usable");
        foreach (var lane in options?.Value.Lanes ?? [])
        {
            _alerts.Add(0, Tag("lane", lane.Id));
            _overrides.Add(0, Tag("lane", lane.Id));
        }

        if (storage is not null)
        {
            _meter.CreateObservableGauge("portscan_edge.storage.free", () => storage.Measure() is { } s ? [new Measurement<long>(s.FreeBytes)] : Array.Empty<Measurement<long>>(), unit: "By", description: "Free space on the data directory's file system (evidence archive, audit log, outbox)");
            _meter.CreateObservableGauge("portscan_edge.storage.size", () => storage.Measure() is { } s ? [new Measurement<long>(s.SizeBytes)] : Array.Empty<Measurement<long>>(), unit: "By", description: "Size of the data directory's file system");
        }

        if (mqtt is not null)
        {
            _meter.CreateObservableGauge("portscan_edge.mqtt.connected", () => mqtt.Current is null ? 0 : 1, description: "1 while connected to the control-room broker");
        }
    }

    /// <summary>Records a closed transaction: outcome, decision, override and the duration of each stage that happened.</summary>
    public void TransactionClosed(VehicleTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var lane = Tag("lane", transaction.LaneId);
        var outcome = transaction.Outcome ?? transaction.Failure;
        _vehicles.Add(1, lane, Tag("outcome", outcome is null ? "unknown" : Word(outcome.Value)));
        if (transaction.Decision is { } decision)
        {
            _decisions.Add(1, lane, Tag("action", Word(decision.Action)), Tag("by", decision.By == PolicyDecider ? "policy" : "operator"));
            if (decision.IsOverride)
            {
                _overrides.Add(1, lane);
            }
        }

        var t = transaction.Timestamps;
        Stage(lane, "identify", t.ArrivedAt, t.IdentifiedAt);
        Stage(lane, "scan_wait", t.IdentifiedAt, t.ScanStartedAt);
        Stage(lane, "scan", t.ScanStartedAt, t.ScanCompletedAt);
        Stage(lane, "analysis", t.ScanCompletedAt, t.AnalysedAt);
        Stage(lane, "decision", t.AnalysedAt, t.DecidedAt);
        Stage(lane, "exit", t.ReleasedAt, t.ClosedAt);
        Stage(lane, "total", t.ArrivedAt, t.ClosedAt);

        if (transaction.Analysis is { } analysis)
        {
            foreach (var (step, milliseconds) in analysis.TimingsMilliseconds)
            {
                _detectorMilliseconds.Record(milliseconds, lane, Tag("step", step));
            }
        }
    }

    /// <summary>Records an alert.</summary>
    public void Alert(string laneId) => _alerts.Add(1, Tag("lane", laneId));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private void Stage(KeyValuePair<string, object?> lane, string stage, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } start && to is { } end && end >= start)
        {
            _stageSeconds.Record((end - start).TotalSeconds, lane, Tag("stage", stage));
        }
    }

    private static IEnumerable<Measurement<int>> DeviceStateMeasurements(DeviceHealthMonitor devices)
    {
        foreach (var device in devices.Snapshot())
        {
            foreach (var state in DeviceStates)
            {
                yield return new Measurement<int>(
                    device.State == state ? 1 : 0,
                    Tag("device", device.DeviceId),
                    Tag("kind", KindName(device.Kind)),
                    Tag("state", StateName(state)));
            }
        }
    }

    internal static string StateName(DeviceHealthState state) => state switch
    {
        DeviceHealthState.Starting => "starting",
        DeviceHealthState.Connected => "connected",
        DeviceHealthState.Reconnecting => "reconnecting",
        DeviceHealthState.Faulted => "faulted",
        _ => "stopped",
    };

    internal static string KindName(DeviceKind kind) => kind switch
    {
        DeviceKind.Scanner => "scanner",
        DeviceKind.PlateReader => "plate_reader",
        _ => "lane_io",
    };

    /// <summary>The enum's word in the transaction JSON (snake_case), so labels match the published records.</summary>
    private static string Word<T>(T value)
        where T : struct, Enum => TransactionJson.Serialize(value).Trim('"');

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
