using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Host.Hosting;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Simulation.Radiographs;

namespace PortScanEdge.Host.Tests;

/// <summary>
/// The whole lane in one process, with nothing faked inside the gateway: emulators on real pseudo-terminals
/// opened through System.IO.Ports, the simulated GPIO chip under the production GpioController, synthetic
/// radiographs through the spool directory with SHA-256 verification, and the real ONNX model.
/// </summary>
public partial class LaneEndToEndTests
{
    [Fact]
    public async Task SimulatedLane_VehiclesFlowFromEntryLoopToClosedRecords()
    {
        using var config = TempConfig.IsolatedDemo(text => text
            .Replace("vehicle_interval: 6s", "vehicle_interval: 1s\n  operator_decision_delay: 500ms\n  image_width: 512\n  image_height: 256", StringComparison.Ordinal)
            .Replace("anomaly_rate: 0.2", "anomaly_rate: 0.5", StringComparison.Ordinal)
            .Replace("fault_rate: 0.02", "fault_rate: 0", StringComparison.Ordinal));
        var revisions = new Dictionary<string, int>(StringComparer.Ordinal);
        var (host, closed) = await RunUntilClosedAsync(config.Path, 3, change =>
        {
            // Every new version of a record has a higher revision than the last one seen.
            Assert.True(change.Transaction.Revision > revisions.GetValueOrDefault(change.Transaction.Id), "revision went backwards");
            revisions[change.Transaction.Id] = change.Transaction.Revision;
        });
        using var stopped = host;

        foreach (var transaction in closed)
        {
            Assert.Matches(UlidPattern(), transaction.Id);
            Assert.Equal(("demo-port", "gw-demo", "lane-1"), (transaction.SiteId, transaction.GatewayId, transaction.LaneId));
            Assert.Contains(transaction.PlateReads, r => r.ReaderId == "plate-front-1");
            var image = Assert.Single(transaction.Scan!.Images);
            Assert.Matches(Sha256Pattern(), image.Sha256);
            Assert.Equal((512, 256, 16), (image.Width, image.Height, image.BitDepth));
            Assert.NotNull(transaction.Analysis);
            Assert.Matches(Sha256Pattern(), transaction.Analysis!.Model.Sha256);
            Assert.True(transaction.Analysis.TimingsMilliseconds["infer"] > 0);
            Assert.NotNull(transaction.Decision);
            Assert.Contains(transaction.Outcome, new TransactionOutcome?[] { TransactionOutcome.Released, TransactionOutcome.Referred });
            if (transaction.ReferralReasons.Count > 0)
            {
                Assert.Equal("sim-operator", transaction.Decision!.By);
                Assert.Equal(TransactionOutcome.Referred, transaction.Outcome);
            }
            else
            {
                Assert.Equal("policy", transaction.Decision!.By);
            }

            var t = transaction.Timestamps;
            Assert.True(t.ArrivedAt <= t.IdentifiedAt && t.IdentifiedAt <= t.ScanStartedAt && t.ScanStartedAt <= t.ScanCompletedAt
                && t.ScanCompletedAt <= t.AnalysedAt && t.AnalysedAt <= t.DecidedAt && t.DecidedAt <= t.ClosedAt, "timestamps out of order");
        }

        // Once archived, each radiograph and overlay is kept once: in the evidence archive, not also as a working copy.
        var files = host.Services.GetRequiredService<WorkingCopies>();
        var archive = host.Services.GetRequiredService<TransactionArchive>();
        foreach (var transaction in closed)
        {
            var image = transaction.Scan!.Images[0].File;
            Assert.False(File.Exists(files.ImagePath(transaction.Id, image)), "working copy of the radiograph left after archiving");
            Assert.False(File.Exists(files.OverlayPath(transaction.Id)), "working copy of the overlay left after archiving");
            Assert.StartsWith(archive.Root, files.FindImage(transaction, image), StringComparison.Ordinal);
            Assert.StartsWith(archive.Root, files.FindOverlay(transaction), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SimulatedLane_WithAReplaySet_ScansAreTheSetsFilesAtTheirOwnSize()
    {
        // A set of another size than the lane's generated radiographs (512 x 256): announced and analysed as it is.
        var set = Path.Combine(Path.GetTempPath(), $"portscan-replay-{Guid.NewGuid():N}");
        try
        {
            RadiographDataset.Write(new RadiographDatasetOptions { OutputDirectory = set, Count = 4, Seed = 5, AnomalyRate = 0.5, Width = 384, Height = 192 });
            var hashes = Directory.GetFiles(set, "0*.png").Select(f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(4, hashes.Count);
            using var config = TempConfig.IsolatedDemo(text => text
                .Replace("vehicle_interval: 6s", $"vehicle_interval: 1s\n  operator_decision_delay: 500ms\n  image_width: 512\n  image_height: 256\n  images: {set}", StringComparison.Ordinal)
                .Replace("fault_rate: 0.02", "fault_rate: 0", StringComparison.Ordinal));
            var (host, closed) = await RunUntilClosedAsync(config.Path, 3);
            host.Dispose();

            foreach (var transaction in closed)
            {
                var image = Assert.Single(transaction.Scan!.Images);
                Assert.Contains(image.Sha256, hashes);
                Assert.Equal((384, 192, 16), (image.Width, image.Height, image.BitDepth));
                Assert.NotNull(transaction.Analysis);
            }
        }
        finally
        {
            Directory.Delete(set, recursive: true);
        }
    }

    /// <summary>
    /// Builds the gateway from <paramref name="configPath"/>, runs it until <paramref name="count"/> vehicles have closed
    /// (<paramref name="eachChange"/> sees every record change on the way), and stops it. Returns the stopped host, for
    /// its services (the caller disposes it), and the closed records.
    /// </summary>
    private static async Task<(IHost Host, List<VehicleTransaction> Closed)> RunUntilClosedAsync(string configPath, int count, Action<TransactionNotification>? eachChange = null)
    {
        var loaded = ConfigLoader.LoadFile(configPath);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        var host = GatewayHost.Build(loaded.Options!, loaded.FullPath!, LogFormat.Text, LogLevel.Warning);
        try
        {
            var notifications = host.Services.GetRequiredService<LaneHub>().Subscribe();
            await host.StartAsync();

            var closed = new List<VehicleTransaction>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await foreach (var notification in notifications.ReadAllAsync(timeout.Token))
            {
                if (notification is TransactionNotification change)
                {
                    eachChange?.Invoke(change);
                    if (change.Closed)
                    {
                        closed.Add(change.Transaction);
                        if (closed.Count == count)
                        {
                            break;
                        }
                    }
                }
            }

            await host.StopAsync();
            Assert.Equal(count, closed.Count);
            return (host, closed);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    [GeneratedRegex("^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    private static partial Regex UlidPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
