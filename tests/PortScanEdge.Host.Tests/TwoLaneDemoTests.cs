using System.Text.RegularExpressions;

namespace PortScanEdge.Host.Tests;

/// <summary>
/// <c>deploy/config/demo-two-lanes.yaml</c> end to end: one gateway process, two simulated lanes (emulators on
/// ptys, simulated GPIO, the shipped model) sharing one detector. Both lanes must get every scan analysed by
/// the one model load, in order, with nothing dropped.
/// </summary>
public sealed partial class TwoLaneDemoTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task TwoLanes_ShareOneDetector_EveryScanOfBothLanesAnalysed()
    {
        // Brisk traffic, quick simulated operator, no device faults: the lanes finish scans close together,
        // so the shared queue is exercised.
        using var config = TempConfig.IsolatedDemo(
            text => text.Replace("vehicle_interval: 6s", "vehicle_interval: 2s", StringComparison.Ordinal)
                        .Replace("fault_rate: 0.02", "fault_rate: 0\n  operator_decision_delay: 500ms", StringComparison.Ordinal),
            demoFile: "demo-two-lanes.yaml");
        using var gateway = CliProcess.Start(["run", "--config", config.Path]);
        await gateway.WaitForOutputAsync("2 lane(s) running", Patience);

        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline && (Closed(gateway.Stdout, "lane-1").Count < 3 || Closed(gateway.Stdout, "lane-2").Count < 3))
        {
            await Task.Delay(250);
        }

        gateway.Signal(15);
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var log = gateway.Stdout;
        Assert.Equal(0, exitCode);

        foreach (var lane in new[] { "lane-1", "lane-2" })
        {
            var closed = Closed(log, lane);
            Assert.True(closed.Count >= 3, $"{lane} closed {closed.Count} vehicles in {Patience}:\n{log}");

            // Every vehicle was analysed: its closing line carries the model's score (none failed analysis).
            Assert.All(closed, c => Assert.True(c.Scored, $"{lane}: vehicle {c.Transaction} closed without a score:\n{log}"));
        }

        // One detector: the model was loaded and warmed up once for both lanes.
        Assert.Single(ModelLoaded().Matches(log));
        Assert.DoesNotContain("analysis failed", log, StringComparison.Ordinal);
        Assert.DoesNotContain("AnalysisFailed", log, StringComparison.Ordinal);
    }

    private static List<(string Transaction, bool Scored)> Closed(string log, string lane) =>
        [.. ClosedLine().Matches(log).Where(m => m.Groups["lane"].Value == lane).Select(m => (m.Groups["id"].Value, m.Groups["score"].Value.Length > 0))];

    [GeneratedRegex(@"(?<lane>lane-\d): vehicle (?<id>\w+) closed: \w+ \(score (?<score>[0-9.]*)\)")]
    private static partial Regex ClosedLine();

    [GeneratedRegex(@"RadiographDetector\[4000\] Model .* loaded from")]
    private static partial Regex ModelLoaded();
}
