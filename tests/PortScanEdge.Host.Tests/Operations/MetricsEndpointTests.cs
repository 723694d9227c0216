using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Host.Hosting;
using PortScanEdge.Host.Observability;

namespace PortScanEdge.Host.Tests.Operations;

/// <summary>
/// The whole simulated lane (emulators on ptys, simulated GPIO, the real model, the embedded broker) runs until
/// vehicles have closed and an alert was raised; then <c>/metrics</c> is scraped over HTTP from the gateway's
/// own observability listener and the series are checked for presence and for values that agree with each other.
/// </summary>
public sealed partial class MetricsEndpointTests
{
    private const int Vehicles = 3;

    [Fact]
    public async Task SimulatedRun_Metrics_ExposeLaneDetectionDeviceAndBrokerSeries()
    {
        using var config = TempConfig.IsolatedDemo(text => text
            .Replace("vehicle_interval: 6s", "vehicle_interval: 1s\n  operator_decision_delay: 300ms\n  image_width: 512\n  image_height: 256", StringComparison.Ordinal)
            .Replace("anomaly_rate: 0.2", "anomaly_rate: 0.5", StringComparison.Ordinal)
            .Replace("fault_rate: 0.02", "fault_rate: 0", StringComparison.Ordinal)
            .Replace("embedded_port: 1883", "embedded_port: 18831", StringComparison.Ordinal)
            .Replace("port: 8080", "port: 18081", StringComparison.Ordinal));
        var loaded = ConfigLoader.LoadFile(config.Path);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));

        // Await the gateway's own measurements (no sleeping): N vehicles closed and at least one alert. Only this
        // host's meters count: other tests run gateways in the same process.
        using var host = GatewayHost.Build(loaded.Options!, loaded.FullPath!, LogFormat.Text, LogLevel.Warning);
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        var vehiclesSeen = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var alerted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Name is "portscan_edge.lane.vehicles" or "portscan_edge.lane.alerts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (value == 0)
            {
                return;
            }

            if (instrument.Name == "portscan_edge.lane.alerts")
            {
                alerted.TrySetResult();
            }
            else if (Interlocked.Increment(ref vehiclesSeen) >= Vehicles)
            {
                enough.TrySetResult();
            }
        });
        listener.Start();

        await host.StartAsync();
        try
        {
            await Task.WhenAll(enough.Task, alerted.Task).WaitAsync(TimeSpan.FromMinutes(3));
            var server = host.Services.GetServices<IHostedService>().OfType<ObservabilityServer>().Single();
            using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
            using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            var text = await response.Content.ReadAsStringAsync();
            var typeLines = text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).ToList();
            Assert.Equal(typeLines.Count, typeLines.Distinct(StringComparer.Ordinal).Count());
            var samples = Parse(text);

            var vehicles = Sum(samples, "portscan_edge_lane_vehicles_total", "lane=\"lane-1\"");
            Assert.InRange(vehicles, Vehicles, 1000);
            // Alerts and decisions count when they happen, vehicles when they close: the vehicle still in the
            // lane at scrape time may already have been alerted or decided (no faults or e-stops in this run).
            Assert.InRange(Sum(samples, "portscan_edge_lane_alerts_total", "lane=\"lane-1\""), 1, vehicles + 1);
            Assert.InRange(Sum(samples, "portscan_edge_lane_decisions_total", "lane=\"lane-1\""), 1, vehicles + 1);
            Assert.Equal(0, Sum(samples, "portscan_edge_lane_overrides_total", "lane=\"lane-1\""));

            // Stage histograms: one total per closed vehicle, a sane cumulative shape, durations within the run.
            var totalCount = Sum(samples, "portscan_edge_lane_stage_duration_seconds_count", "stage=\"total\"");
            Assert.InRange(totalCount, 1, vehicles);
            Assert.InRange(Sum(samples, "portscan_edge_lane_stage_duration_seconds_sum", "stage=\"total\"") / totalCount, 0.01, 180);
            AssertCumulative(samples, "portscan_edge_lane_stage_duration_seconds_bucket", "stage=\"total\"", totalCount);
            Assert.True(Sum(samples, "portscan_edge_lane_stage_duration_seconds_count", "stage=\"scan\"") >= 1);

            // ONNX inference time of the real model: present and plausible (milliseconds, not zero, not minutes).
            var inferCount = Sum(samples, "portscan_edge_detection_step_duration_milliseconds_count", "step=\"infer\"");
            Assert.InRange(inferCount, 1, 1000);
            Assert.InRange(Sum(samples, "portscan_edge_detection_step_duration_milliseconds_sum", "step=\"infer\"") / inferCount, 0.01, 60_000);

            // Gauges read at scrape time.
            Assert.Equal(1, Sum(samples, "portscan_edge_model_loaded", string.Empty));
            Assert.Equal(1, Sum(samples, "portscan_edge_mqtt_connected", string.Empty));
            Assert.Equal(4, Sum(samples, "portscan_edge_device_state", "state=\"connected\""));
            Assert.Equal(0, Sum(samples, "portscan_edge_device_state", "state=\"faulted\""));
            Assert.Equal(4, Sum(samples, "portscan_edge_device_usable", string.Empty));
            Assert.Contains(samples, s => s.Name == "portscan_edge_detection_queue_depth" && s.Value is >= 0 and <= 4);
            Assert.Contains(samples, s => s.Name == "portscan_edge_outbox_depth" && s.Value >= 0);
            var free = Sum(samples, "portscan_edge_storage_free_bytes", string.Empty);
            Assert.InRange(free, 1, Sum(samples, "portscan_edge_storage_size_bytes", string.Empty));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static void AssertCumulative(List<Sample> samples, string name, string label, double count)
    {
        var buckets = samples.Where(s => s.Name == name && s.Labels.Contains(label, StringComparison.Ordinal)).ToList();
        Assert.True(buckets.Count > 2, $"no buckets for {name}{{{label}}}");
        for (var i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{name} buckets not cumulative at {buckets[i].Labels}");
        }

        Assert.EndsWith("le=\"+Inf\"", buckets[^1].Labels, StringComparison.Ordinal);
        Assert.Equal(count, buckets[^1].Value);
    }

    private static double Sum(List<Sample> samples, string name, string label)
    {
        var matching = samples.Where(s => s.Name == name && s.Labels.Contains(label, StringComparison.Ordinal)).ToList();
        Assert.True(matching.Count > 0, $"no series {name}{{{label}}} in /metrics");
        return matching.Sum(s => s.Value);
    }

    private static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            samples.Add(new Sample(match.Groups["name"].Value, match.Groups["labels"].Value, double.Parse(match.Groups["value"].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    private sealed record Sample(string Name, string Labels, double Value);
}
