using System.Text.Json;

namespace PortScanEdge.Host.Tests.Operations;

/// <summary>
/// The periodic health summary over MQTT: the real gateway runs the demo lane with its embedded broker, and a
/// stock <c>mosquitto_sub</c> (as a fleet dashboard would) reads the retained summary.
/// </summary>
public sealed class HealthSummaryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DemoLane_HealthSummary_ReadyWithEveryCheckAndRetained()
    {
        using var config = TempConfig.IsolatedDemo(text => text.Replace("  broker: embedded\n", "  broker: embedded\n  telemetry_interval: 1s\n", StringComparison.Ordinal));
        var port = config.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var gateway = CliProcess.Start(["run", "--config", config.Path]);
        await gateway.WaitForOutputAsync("lane(s) running", Patience);
        const string topic = "portscan/v1/demo-port/gw-demo/health";

        // A summary every second: within a few of them the devices have connected and the gateway is ready.
        var (exit, stdout, stderr) = await ShellProcess.RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", topic, "-C", "6", "-W", "30"], Patience);
        Assert.True(exit == 0, $"mosquitto_sub exit {exit}: {stderr}\ngateway: {gateway.Stdout}");
        var summaries = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.All(summaries, s => Assert.Equal("portscan.health", s.GetProperty("schema").GetString()));
        var ready = summaries.LastOrDefault(s => s.GetProperty("data").GetProperty("status").GetString() == "ready");
        Assert.True(ready.ValueKind == JsonValueKind.Object, "no ready summary among: " + stdout);
        var data = ready.GetProperty("data");
        var checks = data.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("ok").GetBoolean());
        Assert.Equal(["device:io-1", "device:plate-front-1", "device:plate-rear-1", "device:scanner-1", "model", "mqtt", "storage"], checks.Keys.Order(StringComparer.Ordinal));
        Assert.All(checks.Values, Assert.True);
        Assert.InRange(data.GetProperty("rss_mb").GetDouble(), 20, 4096);
        Assert.InRange(data.GetProperty("cpu_percent").GetDouble(), 0, 100 * Environment.ProcessorCount);
        Assert.True(data.GetProperty("uptime_seconds").GetDouble() > 0);

        // A dashboard that starts later gets the last summary at once, flagged retained.
        (exit, stdout, stderr) = await ShellProcess.RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", topic, "-C", "1", "-W", "10", "-F", "%r %p"], Patience);
        Assert.True(exit == 0, $"mosquitto_sub exit {exit}: {stderr}");
        Assert.StartsWith("1 {", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoLane_Telemetry_CarriesTheLanesCounters()
    {
        using var config = TempConfig.IsolatedDemo(text => text
            .Replace("  broker: embedded\n", "  broker: embedded\n  telemetry_interval: 1s\n", StringComparison.Ordinal)
            .Replace("vehicle_interval: 6s", "vehicle_interval: 1s\n  operator_decision_delay: 300ms", StringComparison.Ordinal));
        var port = config.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var gateway = CliProcess.Start(["run", "--config", config.Path]);
        await gateway.WaitForOutputAsync("lane(s) running", Patience);

        // One telemetry message a second; wait (bounded) for one sent after the first vehicle closed.
        JsonElement gauges = default;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var (exit, stdout, stderr) = await ShellProcess.RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", "portscan/v1/demo-port/gw-demo/telemetry", "-C", "1", "-W", "10"], Patience);
            Assert.True(exit == 0, $"mosquitto_sub exit {exit}: {stderr}\ngateway: {gateway.Stdout}");
            gauges = JsonDocument.Parse(stdout).RootElement.GetProperty("data").GetProperty("gauges").Clone();
            if (gauges.TryGetProperty("lane-1.vehicles", out var vehicles) && vehicles.GetDouble() >= 1 && gauges.TryGetProperty("lane-1.analysis_p50_ms", out _))
            {
                break;
            }
        }

        var figures = gauges.EnumerateObject().ToDictionary(g => g.Name, g => g.Value.GetDouble());
        Assert.True(figures.GetValueOrDefault("lane-1.vehicles") >= 1, "no vehicle counted in: " + gauges);
        // Other outcomes (a rescan requested, the gateway stopping) count as vehicles only.
        Assert.InRange(figures["lane-1.released"] + figures["lane-1.referred"] + figures["lane-1.failed"], 1, figures["lane-1.vehicles"]);
        Assert.InRange(figures["lane-1.alerts"], 0, figures["lane-1.scans"]);
        Assert.InRange(figures["lane-1.analysis_p50_ms"], 0.1, 60_000);
        Assert.InRange(figures["lane-1.infer_p50_ms"], 0.01, figures["lane-1.analysis_p99_ms"]);
        Assert.InRange(figures["detection.queue_depth"], 0, 4);
    }
}
