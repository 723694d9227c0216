using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PortScanEdge.Host.Observability;

namespace PortScanEdge.Host.Tests.Operations;

/// <summary>The exposition text itself: names, cumulative buckets, and which meters an exporter reports.</summary>
public sealed class PrometheusExporterTests
{
    [Fact]
    public void Render_Histogram_CumulativeBucketsSumAndCountUnderOneName()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(factory);
        var meter = factory.Create("PortScanEdge.Test");
        var histogram = meter.CreateHistogram<double>("portscan_edge.test.duration", unit: "s");
        foreach (var seconds in new[] { 0.00390625, 0.015625, 0.015625, 3.0, 400.0 })
        {
            histogram.Record(seconds, new KeyValuePair<string, object?>("stage", "total"));
        }

        var text = exporter.Render();

        Assert.Contains("# TYPE portscan_edge_test_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("portscan_edge_test_duration_seconds_bucket{stage=\"total\",le=\"0.005\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("portscan_edge_test_duration_seconds_bucket{stage=\"total\",le=\"0.025\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("portscan_edge_test_duration_seconds_bucket{stage=\"total\",le=\"5\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("portscan_edge_test_duration_seconds_bucket{stage=\"total\",le=\"300\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("portscan_edge_test_duration_seconds_bucket{stage=\"total\",le=\"+Inf\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("portscan_edge_test_duration_seconds_count{stage=\"total\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("portscan_edge_test_duration_seconds_sum{stage=\"total\"} 403.03515625\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TwoHostsInOneProcess_EachExporterReportsOnlyItsOwnMeters()
    {
        // Two gateways' containers in one process (as in the test suite) create meters of the same name; an
        // exporter that took both would print the series twice under one name, which no scraper accepts.
        using var first = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var second = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var firstExporter = new PrometheusExporter(first.GetRequiredService<IMeterFactory>());
        using var secondExporter = new PrometheusExporter(second.GetRequiredService<IMeterFactory>());
        first.GetRequiredService<IMeterFactory>().Create("PortScanEdge.Test").CreateCounter<long>("portscan_edge.test.vehicles").Add(2);
        second.GetRequiredService<IMeterFactory>().Create("PortScanEdge.Test").CreateCounter<long>("portscan_edge.test.vehicles").Add(5);

        var firstText = firstExporter.Render();
        var secondText = secondExporter.Render();

        Assert.Single(firstText.Split('\n'), line => line.StartsWith("# TYPE portscan_edge_test_vehicles_total ", StringComparison.Ordinal));
        Assert.Contains("\nportscan_edge_test_vehicles_total 2\n", firstText, StringComparison.Ordinal);
        Assert.Single(secondText.Split('\n'), line => line.StartsWith("# TYPE portscan_edge_test_vehicles_total ", StringComparison.Ordinal));
        Assert.Contains("\nportscan_edge_test_vehicles_total 5\n", secondText, StringComparison.Ordinal);
    }
}
