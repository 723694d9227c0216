using PortScanEdge.Core.Imaging;
using PortScanEdge.Detection.Benchmarking;
using PortScanEdge.Detection.Intake;
using PortScanEdge.Detection.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Tests;

/// <summary>The whole pipeline on the committed test model and generated radiographs.</summary>
public sealed class DetectorTests : IDisposable
{
    private const int Width = 1600;
    private const int Height = 640;
    private readonly TempDirectory temp = new();
    private readonly string cleanPath;
    private readonly string anomalousPath;

    public DetectorTests()
    {
        cleanPath = temp.Write("clean.png", PngWriter.EncodeGrey16(SyntheticScans.Generate(Width, Height, seed: 1, withAnomaly: false), Width, Height));
        anomalousPath = temp.Write("anomalous.png", PngWriter.EncodeGrey16(SyntheticScans.Generate(Width, Height, seed: 2, withAnomaly: true), Width, Height));
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Analyze_CleanScan_IsClearWithoutRegionsAndStampedWithTheModel()
    {
        using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options());
        var result = await detector.AnalyzeAsync(RadiographInput.FromFile(cleanPath));
        Assert.True(result.Ok, result.Rejection?.ToString());
        Assert.Equal(Verdict.Clear, result.Verdict);
        Assert.True(result.Score < 0.5, $"score {result.Score}");
        Assert.Empty(result.Regions);
        Assert.Equal(detector.Model, result.Model);
        Assert.Equal(64, result.Model.Sha256.Length);
        Assert.Equal((Width, Height), (result.Width, result.Height));
        // 1600 x 640 at downsample 4 is 400 x 160: tiles at x 0 and 144, one row.
        Assert.Equal(2, result.Tiles);
        Assert.True(result.Timings.DecodeMilliseconds > 0 && result.Timings.InferMilliseconds > 0);
    }

    [Fact]
    public async Task Analyze_DenseObjectInCargo_AlertsWithARegionAroundIt()
    {
        using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options());
        var result = await detector.AnalyzeAsync(RadiographInput.FromFile(anomalousPath));
        Assert.True(result.Ok, result.Rejection?.ToString());
        Assert.Equal(Verdict.Alert, result.Verdict);
        Assert.True(result.Score >= 0.5, $"score {result.Score}");
        var (x, y, size) = SyntheticScans.AnomalyBox(Width, Height);
        var region = Assert.Single(result.Regions);
        Assert.InRange(region.PeakX, x - 4, x + size + 4);
        Assert.InRange(region.PeakY, y - 4, y + size + 4);
        Assert.True(region.X <= x + size && region.X + region.Width >= x, $"region {region} misses x {x}");
        Assert.True(region.Y <= y + size && region.Y + region.Height >= y, $"region {region} misses y {y}");
    }

    [Fact]
    public async Task Analyze_ThresholdRaisedAboveScore_TurnsAlertIntoClear()
    {
        using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options(o => o.ThresholdMax = 1.0));
        Assert.False(detector.TrySetThreshold(1.5));
        Assert.False(detector.TrySetThreshold(0.01));
        Assert.True(detector.TrySetThreshold(1.0));
        var result = await detector.AnalyzeAsync(RadiographInput.FromFile(anomalousPath));
        Assert.Equal(1.0, result.Threshold);
        Assert.Equal(result.Score >= 1.0 ? Verdict.Alert : Verdict.Clear, result.Verdict);
    }

    [Fact]
    public async Task Analyze_HostileInputs_ReturnRejectionsAndTheDetectorKeepsWorking()
    {
        using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options());
        var truncated = File.ReadAllBytes(cleanPath)[..5000];
        var rejected = await detector.AnalyzeAsync(RadiographInput.FromBytes("truncated.png", truncated));
        Assert.False(rejected.Ok);
        Assert.Equal(RejectionKind.Truncated, rejected.Rejection!.Kind);
        Assert.Equal(detector.Model, rejected.Model);

        var dual = await detector.AnalyzeAsync(RadiographInput.FromDualEnergy(cleanPath, cleanPath));
        Assert.Equal(RejectionKind.ModelMismatch, dual.Rejection!.Kind);

        var after = await detector.AnalyzeAsync(RadiographInput.FromFile(anomalousPath));
        Assert.Equal(Verdict.Alert, after.Verdict);
    }

    [Fact]
    public async Task Analyze_DualEnergyModel_GetsLowThenHighInItsTwoChannels()
    {
        // The dual-energy test model (models/test/export_test_model.py --dual-energy) lights up where the
        // low-energy image attenuates far more than the high-energy one. Low: 12,000 counts with a 24 x 24 block
        // at 400 (a high-Z object); high: 20,000 counts everywhere.
        const int Side = 256;
        var low = Enumerable.Repeat((ushort)12000, Side * Side).ToArray();
        for (var y = 100; y < 124; y++)
        {
            Array.Fill(low, (ushort)400, (y * Side) + 60, 24);
        }

        var lowPath = temp.Write("low.png", TestImages.Png(Side, Side, low));
        var highPath = temp.Write("high.png", TestImages.Png(Side, Side, Enumerable.Repeat((ushort)20000, Side * Side).ToArray()));
        var model = Path.Combine(AppContext.BaseDirectory, "models", "test", "portscan-test-dualenergy.onnx");
        using var detector = RadiographDetector.Create(model, Fixtures.Options());
        Assert.Equal(2, detector.Contract.Channels);

        var pair = await detector.AnalyzeAsync(RadiographInput.FromDualEnergy(lowPath, highPath));
        Assert.True(pair.Ok, pair.Rejection?.ToString());
        Assert.Equal(Verdict.Alert, pair.Verdict);
        var region = Assert.Single(pair.Regions);
        Assert.InRange(region.PeakX, 60, 84);
        Assert.InRange(region.PeakY, 100, 124);

        // The same files the other way round: channel 0 now holds the image that attenuates less; nothing lights up.
        var swapped = await detector.AnalyzeAsync(RadiographInput.FromDualEnergy(highPath, lowPath));
        Assert.True(swapped.Ok, swapped.Rejection?.ToString());
        Assert.Equal(Verdict.Clear, swapped.Verdict);
        Assert.Equal(0, swapped.Score);

        // A two-channel model given one image says why it cannot analyse it.
        var single = await detector.AnalyzeAsync(RadiographInput.FromFile(lowPath));
        Assert.Equal(RejectionKind.ModelMismatch, single.Rejection!.Kind);
    }

    [Fact]
    public async Task Analyze_TilesNotAMultipleOfTheBatch_GivesTheSameResultAsBatchesOfOne()
    {
        // 4000 x 640 at downsample 4 is 1000 x 160: five of the test model's 256-wide tiles, so batch 2 runs 2 + 2 + 1
        // and batch 4 runs 4 + 1.
        const int wide = 4000;
        var path = temp.Write("wide.png", PngWriter.EncodeGrey16(SyntheticScans.Generate(wide, Height, seed: 2, withAnomaly: true), wide, Height));
        var results = new List<DetectionResult>();
        foreach (var batch in new[] { 1, 2, 4 })
        {
            using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options(o => o.BatchSize = batch));
            results.Add(await detector.AnalyzeAsync(RadiographInput.FromFile(path), new AnalysisRequest { IncludeHeatMap = true }));
        }

        Assert.All(results, r => Assert.True(r.Ok, r.Rejection?.ToString()));
        Assert.Equal(5, results[0].Tiles);
        foreach (var result in results.Skip(1))
        {
            Assert.Equal(results[0].Verdict, result.Verdict);
            Assert.Equal(results[0].Score, result.Score, 5);
            Assert.Equal(results[0].Regions.Count, result.Regions.Count);
            var expected = results[0].HeatMap!.Values;
            var actual = result.HeatMap!.Values;
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"heat map differs at {i}: {expected[i]} vs {actual[i]}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Analyze_TwoLanesAtOnce_GiveTheSameResultsAsOneAtATime(int workspaces)
    {
        using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options(o => o.MaxConcurrentAnalyses = workspaces));
        var expectedClean = await detector.AnalyzeAsync(RadiographInput.FromFile(cleanPath));
        var expectedAnomalous = await detector.AnalyzeAsync(RadiographInput.FromFile(anomalousPath));
        using var start = new ManualResetEventSlim();
        var lanes = Enumerable.Range(0, 2).Select(lane => Task.Run(async () =>
        {
            start.Wait();
            var results = new List<DetectionResult>();
            for (var i = 0; i < 4; i++)
            {
                var path = (lane + i) % 2 == 0 ? cleanPath : anomalousPath;
                results.Add(await detector.AnalyzeAsync(RadiographInput.FromFile(path), new AnalysisRequest { IncludeHeatMap = true }));
            }

            return results;
        })).ToArray();
        start.Set();
        var all = (await Task.WhenAll(lanes)).SelectMany(r => r).ToList();
        Assert.Equal(8, all.Count);
        foreach (var result in all)
        {
            var expected = result.Verdict == Verdict.Alert ? expectedAnomalous : expectedClean;
            Assert.Equal(expected.Score, result.Score);
            Assert.Equal(expected.Regions, result.Regions);
        }

        Assert.Equal(4, all.Count(r => r.Verdict == Verdict.Alert));
    }

    [Fact]
    public async Task Analyze_WithOverlay_WritesAColourPngWithTheRegionTinted()
    {
        using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options(o => o.OverlayMaxSide = 800));
        var overlay = Path.Combine(temp.Path, "out", "overlay.png");
        var result = await detector.AnalyzeAsync(RadiographInput.FromFile(anomalousPath), new AnalysisRequest { OverlayPath = overlay, IncludeHeatMap = true });
        Assert.Equal(overlay, result.OverlayPath);
        Assert.NotNull(result.HeatMap);
        Assert.Equal((400, 160, 4), (result.HeatMap.Width, result.HeatMap.Height, result.HeatMap.Scale));
        using var image = Image.Load<Rgb24>(overlay);
        Assert.Equal((800, 320), (image.Width, image.Height)); // 1600 x 640 halved to fit 800
        var peak = result.Regions[0];
        var tinted = image[peak.PeakX / 2, peak.PeakY / 2];
        Assert.True(tinted.R > tinted.B + 50, $"peak pixel {tinted} is not tinted red");
        var air = image[5, 5];
        Assert.True(air.R == air.G && air.G == air.B, $"air pixel {air} should stay grey");
    }

    [Fact]
    public async Task Analyze_CancelledWhileWaitingForAWorkspace_ThrowsOnlyForThatCaller()
    {
        using var detector = RadiographDetector.Create(Fixtures.TestModelPath, Fixtures.Options());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => detector.AnalyzeAsync(RadiographInput.FromFile(cleanPath), cancellationToken: cancelled.Token));
        Assert.True((await detector.AnalyzeAsync(RadiographInput.FromFile(cleanPath))).Ok);
    }
}
