using System.Text.Json;
using System.Text.RegularExpressions;
using PortScanEdge.Host.Tests.Operations;

namespace PortScanEdge.Host.Tests;

/// <summary>
/// The control room's <c>rescan</c> command end to end: the demo gateway (real lane, emulators on ptys, the
/// model, the embedded broker) holds a vehicle for a decision; a stock <c>mosquitto_pub</c> asks for a re-scan;
/// the record closes as <c>rescan_requested</c>, the same vehicle is scanned again under a linked record, and a
/// re-scan beyond <c>lane_control.max_rescans</c> is refused with the reason.
/// </summary>
public sealed partial class RescanCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const string CommandTopic = "portscan/v1/demo-port/gw-demo/cmd/rescan/control-room";

    [Fact]
    public async Task Rescan_VehicleAwaitingDecision_ClosesItsRecordAndScansItAgain_ThenTheLimitRefuses()
    {
        // Every vehicle waits for an operator who takes a minute; one vehicle a minute; one re-scan allowed.
        using var config = TempConfig.IsolatedDemo(text => text
            .Replace("  hotlist_file: demo-hotlist.txt\n", "  hotlist_file: demo-hotlist.txt\n  auto_release_clear: false\n  max_rescans: 1\n", StringComparison.Ordinal)
            .Replace("  broker: embedded\n", "  broker: embedded\n  commands: { allowed_senders: [control-room] }\n", StringComparison.Ordinal)
            .Replace("vehicle_interval: 6s", "vehicle_interval: 60s\n  operator_decision_delay: 60s", StringComparison.Ordinal)
            .Replace("fault_rate: 0.02", "fault_rate: 0", StringComparison.Ordinal));
        var port = config.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var gateway = CliProcess.Start(["run", "--config", config.Path]);
        await gateway.WaitForOutputAsync("lane-1: ALERT ", Patience);
        var first = Alerts(gateway.Stdout).Single();

        var accepted = await SendAsync(port, $$"""{"request_id":"r1","lane_id":"lane-1","transaction_id":"{{first}}","reason":"image blurred"}""");
        Assert.True(accepted.GetProperty("status").GetString() == "accepted", accepted.ToString());
        Assert.Equal(2, accepted.GetProperty("result").GetProperty("scan_attempt").GetInt32());

        // The first record closes as rescan_requested; the vehicle is scanned and analysed again under a new id.
        await gateway.WaitForOutputAsync($"vehicle {first} closed: RescanRequested", Patience);
        var deadline = DateTime.UtcNow + Patience;
        while (Alerts(gateway.Stdout).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var alerts = Alerts(gateway.Stdout);
        Assert.True(alerts.Count == 2, gateway.Stdout);
        var second = alerts[1];
        Assert.NotEqual(first, second);

        // One re-scan was allowed: the second is refused with the reason, and the vehicle still waits.
        var refused = await SendAsync(port, """{"request_id":"r2","lane_id":"lane-1"}""");
        Assert.Equal("refused", refused.GetProperty("status").GetString());
        Assert.Contains("max_rescans allows 1", refused.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain($"vehicle {second} closed", gateway.Stdout, StringComparison.Ordinal);

        gateway.Signal(15);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task<JsonElement> SendAsync(string port, string payload)
    {
        // MQTT 3.1.1 clients get the answer on the command topic + "/response".
        var response = ShellProcess.RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", CommandTopic + "/response", "-C", "1", "-W", "30"], Patience);
        await Task.Delay(1000);
        var (pubExit, _, pubErr) = await ShellProcess.RunAsync("mosquitto_pub", ["-h", "127.0.0.1", "-p", port, "-i", "control-room", "-t", CommandTopic, "-m", payload], Patience);
        Assert.True(pubExit == 0, pubErr);
        var (exit, stdout, stderr) = await response;
        Assert.True(exit == 0, $"no response: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.GetProperty("data").Clone();
    }

    private static List<string> Alerts(string log) => [.. AlertLine().Matches(log).Select(m => m.Groups[1].Value).Distinct()];

    [GeneratedRegex(@"lane-1: ALERT (\w+):")]
    private static partial Regex AlertLine();
}
