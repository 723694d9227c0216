using System.Globalization;
using PortScanEdge.Messaging.Contracts;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// The lanes' figures in every telemetry message (<c>gauges</c>), per lane <c>{lane}.{figure}</c>: vehicles,
/// released, referred, failed, alerts, overrides and scans since start; the median and 99th percentile of recent
/// analyses and the median inference time in ms (once a scan was analysed); and the shared detector's queue depth
/// (<c>detection.queue_depth</c>). The same counters as the periodic lane summary in the log.
/// </summary>
public sealed class LaneTelemetryGauges(LaneRegistry lanes) : ITelemetryGaugeSource
{
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Gauges()
    {
        var gauges = new Dictionary<string, double>(StringComparer.Ordinal);
        var running = lanes.Lanes;
        foreach (var lane in running)
        {
            var s = lane.Statistics;
            void Set(string figure, double value) => gauges[string.Create(CultureInfo.InvariantCulture, $"{lane.LaneId}.{figure}")] = value;
            Set("vehicles", s.Vehicles);
            Set("released", s.Released);
            Set("referred", s.Referred);
            Set("failed", s.Failed);
            Set("alerts", s.Alerts);
            Set("overrides", s.Overrides);
            Set("scans", s.Scans);
            var (p50, p99, infer, samples) = s.Latencies();
            if (samples > 0)
            {
                Set("analysis_p50_ms", Math.Round(p50, 2));
                Set("analysis_p99_ms", Math.Round(p99, 2));
                Set("infer_p50_ms", Math.Round(infer, 2));
            }
        }

        // One detector serves every lane: any lane reports its queue.
        if (running.FirstOrDefault() is { } any)
        {
            gauges["detection.queue_depth"] = any.DetectorQueueDepth;
        }

        return gauges;
    }
}
