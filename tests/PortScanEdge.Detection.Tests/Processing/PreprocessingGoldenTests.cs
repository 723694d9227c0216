using PortScanEdge.Detection.Inference;
using PortScanEdge.Detection.Intake;
using PortScanEdge.Detection.Processing;
using PortScanEdge.Detection.Tests.Support;

namespace PortScanEdge.Detection.Tests.Processing;

public sealed class PreprocessingGoldenTests
{
    private static ModelContract Contract(PixelTransform transform, int downsample = 2, int tile = 4, int overlap = 0, int channels = 3, float[]? mean = null, float[]? std = null) => new()
    {
        Identity = new ModelIdentity("t", "0", "0"),
        Channels = channels,
        InputHeight = tile,
        InputWidth = tile,
        Transform = transform,
        Downsample = downsample,
        TileOverlap = overlap,
        Mean = mean,
        Std = std,
    };

    private static Radiograph GoldenRadiograph(out System.Text.Json.JsonElement golden)
    {
        golden = Fixtures.Json("preprocess-golden.json");
        var radiograph = new Radiograph();
        radiograph.Reset(golden.GetProperty("width").GetInt32(), golden.GetProperty("height").GetInt32(), 16);
        var pixels = golden.GetProperty("pixels").EnumerateArray().Select(e => (ushort)e.GetInt32()).ToArray();
        pixels.CopyTo(radiograph.Pixels);
        return radiograph;
    }

    [Theory]
    [InlineData(PixelTransform.Linear, "linear")]
    [InlineData(PixelTransform.LogAttenuation, "log_attenuation")]
    public void Reduce_OddSizedRadiograph_MatchesNumpyGolden(PixelTransform transform, string key)
    {
        var radiograph = GoldenRadiograph(out var golden);
        var preprocessor = new Preprocessor(Contract(transform));
        preprocessor.Reduce(radiograph, 0);
        Assert.Equal(golden.GetProperty("reduced_width").GetInt32(), preprocessor.ReducedWidth);
        Assert.Equal(golden.GetProperty("reduced_height").GetInt32(), preprocessor.ReducedHeight);
        var expected = golden.GetProperty(key).EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var actual = preprocessor.Plane(0).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 6);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    [InlineData(1)]
    public void Reduce_WideImage_MatchesANaiveBlockAverage(int downsample)
    {
        // Wide enough for the vectorised row sums (and a ragged last column and row for factors 3 and 4).
        const int Width = 203, Height = 37;
        var radiograph = new Radiograph();
        radiograph.Reset(Width, Height, 16);
        var random = new Random(downsample);
        for (var i = 0; i < Width * Height; i++)
        {
            radiograph.Pixels[i] = (ushort)random.Next(65536);
        }

        var preprocessor = new Preprocessor(Contract(PixelTransform.LogAttenuation, downsample: downsample));
        preprocessor.Reduce(radiograph, 0);
        var plane = preprocessor.Plane(0).ToArray();
        var reducedWidth = (Width + downsample - 1) / downsample;
        for (var ry = 0; ry < (Height + downsample - 1) / downsample; ry++)
        {
            for (var rx = 0; rx < reducedWidth; rx++)
            {
                long sum = 0, count = 0;
                for (var y = ry * downsample; y < Math.Min(Height, (ry + 1) * downsample); y++)
                {
                    for (var x = rx * downsample; x < Math.Min(Width, (rx + 1) * downsample); x++)
                    {
                        sum += radiograph.Pixels[(y * Width) + x];
                        count++;
                    }
                }

                var expected = Preprocessor.Transform((sum + (count / 2)) / count, 65535, PixelTransform.LogAttenuation);
                Assert.Equal(expected, plane[(ry * reducedWidth) + rx]);
            }
        }
    }

    [Theory]
    [InlineData(65535, 0.0)]
    [InlineData(1, 1.0)]
    [InlineData(0, 1.0)]
    [InlineData(256, 0.4999993)] // 1 − ln 256 / ln 65535
    public void LogAttenuation_KeyValues_AirIsZeroDenseIsOne(double raw, double expected)
    {
        Assert.Equal(expected, Preprocessor.Transform(raw, 65535, PixelTransform.LogAttenuation), 5);
    }

    [Fact]
    public void TilePlan_GoldenCases_MatchHandDerivedPositions()
    {
        var plan = new TilePlan();
        foreach (var c in Fixtures.Json("tile-plan-golden.json").GetProperty("cases").EnumerateArray())
        {
            var tile = c.GetProperty("tile").GetInt32();
            var top = c.TryGetProperty("top", out var topValue) ? topValue.GetInt32() : 0;
            plan.Plan(c.GetProperty("width").GetInt32(), c.GetProperty("height").GetInt32(), tile, tile, c.GetProperty("overlap").GetInt32(), top);
            var xs = c.GetProperty("xs").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var ys = c.GetProperty("ys").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(xs.Length * ys.Length, plan.Count);
            var origins = Enumerable.Range(0, plan.Count).Select(plan.Origin).ToArray();
            Assert.Equal(ys.SelectMany(y => xs.Select(x => (x, y))).ToArray(), origins);
        }
    }

    [Fact]
    public void FillTile_PastTheEdge_PadsWithAirAndReplicatesGreyIntoThreeChannels()
    {
        var radiograph = GoldenRadiograph(out var golden);
        var preprocessor = new Preprocessor(Contract(PixelTransform.LogAttenuation, tile: 4));
        preprocessor.Reduce(radiograph, 0); // 4 x 3 plane
        var input = new float[2 * 3 * 16];
        preprocessor.FillTile(input, slot: 1, originX: 0, originY: 0);
        var plane = golden.GetProperty("log_attenuation").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        for (var c = 0; c < 3; c++)
        {
            var channel = input.AsSpan((3 + c) * 16, 16);
            for (var y = 0; y < 4; y++)
            {
                for (var x = 0; x < 4; x++)
                {
                    var expected = y < 3 ? plane[(y * 4) + x] : 0f; // air pads as log-attenuation 0
                    Assert.Equal(expected, channel[(y * 4) + x], 6);
                }
            }
        }

        Assert.All(input.AsSpan(0, 48).ToArray(), v => Assert.Equal(0f, v)); // slot 0 untouched
    }

    [Fact]
    public void FillTile_MeanAndStd_NormalisesEachChannelSeparately()
    {
        var radiograph = GoldenRadiograph(out var golden);
        var preprocessor = new Preprocessor(Contract(PixelTransform.Linear, tile: 2, mean: [0.1f, 0.2f, 0.3f], std: [0.5f, 0.25f, 2f]));
        preprocessor.Reduce(radiograph, 0);
        var input = new float[3 * 4];
        preprocessor.FillTile(input, 0, 1, 1);
        var plane = golden.GetProperty("linear").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var v = plane[(1 * 4) + 1];
        Assert.Equal((v - 0.1f) / 0.5f, input[0], 5);
        Assert.Equal((v - 0.2f) / 0.25f, input[4], 5);
        Assert.Equal((v - 0.3f) / 2f, input[8], 5);
    }

    [Fact]
    public void Stitcher_OverlappingTiles_AveragesTheOverlapAndDropsPadding()
    {
        var plan = new TilePlan();
        plan.Plan(6, 3, 4, 4, overlap: 2); // two 4 x 4 tiles at x 0 and 2, y 0 (row 3 is padding)
        var stitcher = new HeatMapStitcher();
        stitcher.Begin(6, 3, plan);
        float[] maps = [.. Enumerable.Repeat(1f, 16), .. Enumerable.Repeat(3f, 16)];
        stitcher.Add(maps, first: 0, count: 2); // 1s cover x 0..3, 3s x 2..5
        Assert.Equal(3f, stitcher.Finish());
        float[] expectedRow = [1, 1, 2, 2, 3, 3];
        Assert.Equal(expectedRow.Concat(expectedRow).Concat(expectedRow).ToArray(), stitcher.Map.ToArray());
    }

    [Fact]
    public void Stitcher_BandMap_ReplacesTheRowsFromTheBandByBlockMaximum()
    {
        // Main map 3 x 3 (all 0.5); band map 5 x 5 at twice the resolution, whose one tile covers rows 1..4 only
        // (the plan's top): main rows 1 and 2 take the maximum of each 2 x 2 band block (cut off at the edge).
        var main = new TilePlan();
        main.Plan(3, 3, 4, 4, overlap: 0);
        var stitcher = new HeatMapStitcher();
        stitcher.Begin(3, 3, main);
        stitcher.Add([.. Enumerable.Repeat(0.5f, 16)], first: 0, count: 1);
        stitcher.Finish();

        var bandPlan = new TilePlan();
        bandPlan.Plan(5, 5, 5, 4, overlap: 0, top: 2); // one tile, pulled up to rows 1..4
        var band = new HeatMapStitcher();
        band.Begin(5, 5, bandPlan);
        Assert.Equal(1, band.Top);
        var tile = new float[20];
        for (var i = 0; i < tile.Length; i++)
        {
            tile[i] = i; // band row r (1..4), column c: 5 (r - 1) + c
        }

        band.Add(tile, first: 0, count: 1);
        Assert.Equal(19f, band.Finish());
        stitcher.ReplaceRows(1, band, ratio: 2);

        // Main row 1 = band rows 2, 3: max over columns {0,1}, {2,3}, {4} of row 3 (values 10..14).
        // Main row 2 = band row 4 (row 5 is past the band map): values 15..19.
        float[] expected = [0.5f, 0.5f, 0.5f, 11, 13, 14, 16, 18, 19];
        Assert.Equal(expected, stitcher.Map.ToArray());
        Assert.Equal(19f, stitcher.Peak());
        Assert.Throws<ArgumentOutOfRangeException>(() => stitcher.ReplaceRows(0, band, ratio: 2));
    }

    [Fact]
    public void RegionFinder_TwoBlobsAndNoise_ReturnsStrongestFirstInRadiographPixels()
    {
        const int W = 10, H = 6;
        var map = new float[W * H];
        // Blob A: diagonal pair (8-connected) at (1,1),(2,2), peak 0.7. Blob B: 2x2 at (6..7, 3..4), peak 0.9.
        map[(1 * W) + 1] = 0.6f;
        map[(2 * W) + 2] = 0.7f;
        map[(3 * W) + 6] = 0.8f;
        map[(3 * W) + 7] = 0.9f;
        map[(4 * W) + 6] = 0.55f;
        map[(4 * W) + 7] = 0.5f;
        map[(5 * W) + 0] = 0.49f; // under threshold
        var regions = new RegionFinder().Find(map, W, H, 0.5f, scale: 4, imageWidth: 38, imageHeight: 24, maxRegions: 10, minArea: 0);
        Assert.Equal(2, regions.Count);
        Assert.Equal(new RegionOfInterest(24, 12, 8, 8, 30, 14, 0.9f, 64), regions[0]);
        Assert.Equal(new RegionOfInterest(4, 4, 8, 8, 10, 10, 0.7f, 32), regions[1]);

        var limited = new RegionFinder().Find(map, W, H, 0.5f, 4, 38, 24, maxRegions: 1, minArea: 0);
        Assert.Single(limited);
        var bigOnly = new RegionFinder().Find(map, W, H, 0.5f, 4, 38, 24, maxRegions: 10, minArea: 40);
        Assert.Equal(0.9f, Assert.Single(bigOnly).PeakScore);
    }

    [Fact]
    public void RegionFinder_MapTallerThan32767Rows_FindsTheRegionAtTheBottom()
    {
        const int W = 2, H = 40000;
        var map = new float[W * H];
        map[((H - 2) * W) + 1] = 0.8f;
        map[((H - 1) * W) + 0] = 0.9f; // diagonal neighbour: one region
        var region = Assert.Single(new RegionFinder().Find(map, W, H, 0.5f, 1, W, H, 5, 0));
        Assert.Equal(new RegionOfInterest(0, H - 2, 2, 2, 0, H - 1, 0.9f, 2), region);
    }

    [Fact]
    public void RegionFinder_RegionAtTheEdge_IsClippedToTheRadiograph()
    {
        var map = new float[4 * 4];
        map[15] = 1f;
        var region = Assert.Single(new RegionFinder().Find(map, 4, 4, 0.5f, 4, imageWidth: 14, imageHeight: 13, maxRegions: 5, minArea: 0));
        Assert.Equal((12, 12, 2, 1), (region.X, region.Y, region.Width, region.Height));
        Assert.Equal((13, 12), (region.PeakX, region.PeakY));
    }
}
