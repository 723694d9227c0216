using PortScanEdge.Detection.Processing;

namespace PortScanEdge.Detection.Tests.Processing;

/// <summary>The row sharing under the pre- and post-processing, and the processing that uses it.</summary>
public sealed class RowSplitterTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(513)]
    public void Run_EveryRowExactlyOnce_InAtMostTwoParts(int rows)
    {
        using var splitter = new RowSplitter();
        var job = new CountingJob(rows);

        splitter.Run(job, rows);
        splitter.Run(job, rows);

        Assert.All(job.Counts, count => Assert.Equal(2, count));
        Assert.True(job.Parts.All(part => part is 0 or 1));
    }

    [Fact]
    public void Run_HelperPartThrows_CallerGetsTheExceptionAndTheSplitterStillWorks()
    {
        using var splitter = new RowSplitter();
        var failing = new FailingJob(failFrom: 50);

        var error = Assert.Throws<InvalidOperationException>(() => splitter.Run(failing, 100));
        Assert.Contains("row 50", error.Message, StringComparison.Ordinal);

        var job = new CountingJob(100);
        splitter.Run(job, 100);
        Assert.All(job.Counts, count => Assert.Equal(1, count));
    }

    [Fact]
    public void Stitcher_BatchSpanningTwoTileRows_SameMapAsInlineAndAsTileByTile()
    {
        // 2 x 2 tiles of 8 x 8 with overlap 3 on a 13 x 13 map: one batch of four tiles overlaps itself both ways.
        var plan = new TilePlan();
        plan.Plan(13, 13, 8, 8, overlap: 3);
        Assert.Equal(4, plan.Count);
        var maps = Enumerable.Range(0, 4 * 64).Select(i => (float)((i * 37) % 101) / 100f).ToArray();

        using var splitter = new RowSplitter();
        var split = new HeatMapStitcher(splitter);
        split.Begin(13, 13, plan);
        split.Add(maps, 0, 4);
        var splitPeak = split.Finish();

        var oneByOne = new HeatMapStitcher();
        oneByOne.Begin(13, 13, plan);
        for (var tile = 0; tile < 4; tile++)
        {
            oneByOne.Add(maps.AsSpan(tile * 64, 64).ToArray(), tile, 1);
        }

        Assert.Equal(oneByOne.Finish(), splitPeak);
        Assert.Equal(oneByOne.Map.ToArray(), split.Map.ToArray());

        // By hand: map pixel (6, 6) lies under all four tiles, at (6, 6), (1, 6), (6, 1) and (1, 1) of each.
        var expected = (maps[(0 * 64) + (6 * 8) + 6] + maps[(1 * 64) + (6 * 8) + 1] + maps[(2 * 64) + (1 * 8) + 6] + maps[(3 * 64) + (1 * 8) + 1]) / 4f;
        Assert.Equal(expected, split.Map[(6 * 13) + 6], 6);
    }

    [Fact]
    public void RegionFinder_SecondCallOnAnotherMap_SameAsAFreshFinder()
    {
        const int W = 40, H = 30;
        var first = new float[W * H];
        var second = new float[W * H];
        for (var y = 5; y < 20; y++)
        {
            for (var x = 3; x < 30; x++)
            {
                first[(y * W) + x] = 0.9f;
            }
        }

        second[(10 * W) + 10] = 0.8f; // inside the first map's region
        second[(11 * W) + 11] = 0.7f;
        second[(25 * W) + 35] = 0.95f;

        var reused = new RegionFinder();
        Assert.Single(reused.Find(first, W, H, 0.5f, 1, W, H, 10, 0));
        var again = reused.Find(second, W, H, 0.5f, 1, W, H, 10, 0);
        var fresh = new RegionFinder().Find(second, W, H, 0.5f, 1, W, H, 10, 0);

        Assert.Equal(fresh, again);
        Assert.Equal(2, again.Count);
        Assert.Equal(new RegionOfInterest(35, 25, 1, 1, 35, 25, 0.95f, 1), again[0]);
        Assert.Equal(new RegionOfInterest(10, 10, 2, 2, 10, 10, 0.8f, 2), again[1]);
    }

    private sealed class CountingJob(int rows) : RowSplitter.IJob
    {
        public int[] Counts { get; } = new int[rows];

        public System.Collections.Concurrent.ConcurrentBag<int> Parts { get; } = [];

        public void Run(int firstRow, int endRow, int part)
        {
            Parts.Add(part);
            for (var row = firstRow; row < endRow; row++)
            {
                Interlocked.Increment(ref Counts[row]);
            }
        }
    }

    private sealed class FailingJob(int failFrom) : RowSplitter.IJob
    {
        public void Run(int firstRow, int endRow, int part)
        {
            if (firstRow <= failFrom && failFrom < endRow)
            {
                throw new InvalidOperationException($"row {failFrom} is bad");
            }
        }
    }
}
