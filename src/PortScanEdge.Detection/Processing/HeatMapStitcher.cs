using System.Numerics;

namespace PortScanEdge.Detection.Processing;

/// <summary>
/// Accumulates tile anomaly maps back at their positions on the downsampled radiograph; where tiles overlap the
/// values are averaged. The tiles form the grid of a <see cref="TilePlan"/>, so how many tiles cover a pixel is
/// (tiles covering its column) × (tiles covering its row): two short count vectors instead of a per-pixel weight
/// map, which halves the memory the stitching streams through. A plan that covers only the rows from
/// <see cref="Top"/> down (a two-band model's band) leaves the rows above untouched and unread. Row work is
/// shared with the workspace's <see cref="RowSplitter"/>. Grow-only buffers; one instance per workspace; not
/// thread-safe.
/// </summary>
public sealed class HeatMapStitcher
{
    private readonly RowSplitter splitter;
    private readonly AddJob addJob;
    private readonly FinishJob finishJob;
    private readonly float[] peaks = new float[RowSplitter.MaxParts];
    private float[] sum = [];
    private float[] columnCoverage = [];
    private float[] rowCoverage = [];
    private TilePlan? plan;

    /// <summary>Creates a stitcher.</summary>
    /// <param name="splitter">Shares the row work with a second core; <see cref="RowSplitter.Inline"/> when null.</param>
    public HeatMapStitcher(RowSplitter? splitter = null)
    {
        this.splitter = splitter ?? RowSplitter.Inline;
        addJob = new AddJob(this);
        finishJob = new FinishJob(this);
    }

    /// <summary>Map width (the downsampled radiograph's width).</summary>
    public int Width { get; private set; }

    /// <summary>Map height.</summary>
    public int Height { get; private set; }

    /// <summary>The first map row a tile covers (0 unless the plan covers only a band).</summary>
    public int Top { get; private set; }

    /// <summary>The stitched map after <see cref="Finish"/>; row-major, <see cref="Width"/> × <see cref="Height"/> (rows above <see cref="Top"/> hold stale values).</summary>
    public ReadOnlySpan<float> Map => sum.AsSpan(0, Width * Height);

    /// <summary>Starts a new map of <paramref name="width"/> × <paramref name="height"/> whose tiles <paramref name="tiles"/> has planned.</summary>
    public void Begin(int width, int height, TilePlan tiles)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        Width = width;
        Height = height;
        plan = tiles;
        Top = tiles.Origin(0).Y;
        var needed = width * height;
        if (sum.Length < needed)
        {
            sum = GC.AllocateUninitializedArray<float>(needed);
        }

        columnCoverage = Cleared(columnCoverage, width);
        for (var column = 0; column < tiles.Columns; column++)
        {
            Cover(columnCoverage, width, tiles.Origin(column).X, tiles.TileWidth);
        }

        rowCoverage = Cleared(rowCoverage, height);
        for (var row = 0; row < tiles.Rows; row++)
        {
            Cover(rowCoverage, height, tiles.Origin(row * tiles.Columns).Y, tiles.TileHeight);
        }

        sum.AsSpan(Top * width, (height - Top) * width).Clear();
    }

    /// <summary>
    /// Adds the maps of tiles <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1 of
    /// the plan, held one after another in <paramref name="maps"/> (tile width × height each); parts outside the
    /// map (padding) are dropped.
    /// </summary>
    public void Add(float[] maps, int first, int count)
    {
        ArgumentNullException.ThrowIfNull(maps);
        // Split by map rows, not tile rows: the tiles of one batch may overlap (also across tile rows), the two
        // parts never write the same map row.
        var top = int.MaxValue;
        var bottom = 0;
        for (var slot = 0; slot < count; slot++)
        {
            var originY = plan!.Origin(first + slot).Y;
            top = Math.Min(top, originY);
            bottom = Math.Max(bottom, Math.Min(Height, originY + plan.TileHeight));
        }

        addJob.Maps = maps;
        addJob.First = first;
        addJob.Count = count;
        addJob.Top = top;
        splitter.Run(addJob, bottom - top);
        addJob.Maps = null;
    }

    /// <summary>Divides by coverage so overlaps are averaged. Returns the largest map value (from <see cref="Top"/> down).</summary>
    public float Finish()
    {
        if (Width * Height == 0)
        {
            return 0f;
        }

        peaks.AsSpan().Fill(float.NegativeInfinity);
        splitter.Run(finishJob, Height - Top);
        return Math.Max(peaks[0], peaks[1]);
    }

    /// <summary>
    /// Replaces this (finished) map's rows from <paramref name="fromRow"/> down with <paramref name="band"/>'s
    /// finished, <paramref name="ratio"/> times finer map reduced onto this grid: each cell takes the maximum of
    /// the band cells its block holds (a block cut off by the band map's edge, of those it has).
    /// </summary>
    public void ReplaceRows(int fromRow, HeatMapStitcher band, int ratio)
    {
        ArgumentNullException.ThrowIfNull(band);
        ArgumentOutOfRangeException.ThrowIfLessThan(ratio, 1);
        if (fromRow * ratio < band.Top)
        {
            throw new ArgumentOutOfRangeException(nameof(fromRow), fromRow, "the band map does not cover these rows");
        }

        for (var y = fromRow; y < Height; y++)
        {
            var row = sum.AsSpan(y * Width, Width);
            row.Fill(float.NegativeInfinity);
            var endRow = Math.Min(band.Height, (y + 1) * ratio);
            for (var by = y * ratio; by < endRow; by++)
            {
                var source = band.sum.AsSpan(by * band.Width, band.Width);
                for (var bx = 0; bx < source.Length; bx++)
                {
                    ref var cell = ref row[bx / ratio];
                    cell = Math.Max(cell, source[bx]);
                }
            }
        }
    }

    /// <summary>The largest value of the finished map.</summary>
    public float Peak()
    {
        var map = Map;
        var lanes = Vector<float>.Count;
        var peakVector = new Vector<float>(float.NegativeInfinity);
        var i = 0;
        for (; i <= map.Length - lanes; i += lanes)
        {
            peakVector = Vector.Max(peakVector, new Vector<float>(map[i..]));
        }

        var peak = float.NegativeInfinity;
        for (; i < map.Length; i++)
        {
            peak = Math.Max(peak, map[i]);
        }

        for (var lane = 0; lane < lanes; lane++)
        {
            peak = Math.Max(peak, peakVector[lane]);
        }

        return peak;
    }

    private static float[] Cleared(float[] counts, int length)
    {
        if (counts.Length < length)
        {
            counts = new float[length];
        }

        counts.AsSpan(0, length).Clear();
        return counts;
    }

    private static void Cover(float[] counts, int length, int start, int tileLength)
    {
        var end = Math.Min(length, start + tileLength);
        for (var i = start; i < end; i++)
        {
            counts[i]++;
        }
    }

    /// <summary>Adds the parts of the batch's tiles that fall on map rows [<paramref name="fromRow"/>, <paramref name="toRow"/>).</summary>
    private void AddRows(float[] maps, int first, int count, int fromRow, int toRow)
    {
        var tiles = plan!;
        var tileWidth = tiles.TileWidth;
        var tileLength = tileWidth * tiles.TileHeight;
        var lanes = Vector<float>.Count;
        for (var slot = 0; slot < count; slot++)
        {
            var (originX, originY) = tiles.Origin(first + slot);
            var copyWidth = Math.Min(tileWidth, Width - originX);
            var firstRow = Math.Max(fromRow, originY) - originY;
            var lastRow = Math.Min(Math.Min(toRow, Height), originY + tiles.TileHeight) - originY;
            for (var y = firstRow; y < lastRow; y++)
            {
                var source = maps.AsSpan((slot * tileLength) + (y * tileWidth), copyWidth);
                var sums = sum.AsSpan(((originY + y) * Width) + originX, copyWidth);
                var x = 0;
                for (; x <= copyWidth - lanes; x += lanes)
                {
                    (new Vector<float>(sums[x..]) + new Vector<float>(source[x..])).CopyTo(sums[x..]);
                }

                for (; x < copyWidth; x++)
                {
                    sums[x] += source[x];
                }
            }
        }
    }

    private void FinishRows(int fromRow, int toRow, int part)
    {
        var lanes = Vector<float>.Count;
        var columns = columnCoverage.AsSpan(0, Width);
        var peakVector = new Vector<float>(float.NegativeInfinity);
        var peak = float.NegativeInfinity;
        for (var y = fromRow; y < toRow; y++)
        {
            var sums = sum.AsSpan(y * Width, Width);
            var rowCount = rowCoverage[y];
            var rowVector = new Vector<float>(rowCount);
            var x = 0;
            for (; x <= Width - lanes; x += lanes)
            {
                // Every map pixel lies under at least one tile (the plan covers the map), so the count is never 0.
                var value = new Vector<float>(sums[x..]) / (new Vector<float>(columns[x..]) * rowVector);
                value.CopyTo(sums[x..]);
                peakVector = Vector.Max(peakVector, value);
            }

            for (; x < Width; x++)
            {
                var value = sums[x] / (columns[x] * rowCount);
                sums[x] = value;
                peak = Math.Max(peak, value);
            }
        }

        for (var lane = 0; lane < lanes; lane++)
        {
            peak = Math.Max(peak, peakVector[lane]);
        }

        peaks[part] = peak;
    }

    /// <summary>One <see cref="Add"/>: map rows, shared out by the splitter.</summary>
    private sealed class AddJob(HeatMapStitcher owner) : RowSplitter.IJob
    {
        public float[]? Maps { get; set; }

        public int First { get; set; }

        public int Count { get; set; }

        /// <summary>The first map row the batch touches; the splitter's rows count from it.</summary>
        public int Top { get; set; }

        public void Run(int firstRow, int endRow, int part) => owner.AddRows(Maps!, First, Count, Top + firstRow, Top + endRow);
    }

    /// <summary>One <see cref="Finish"/>: its map rows, shared out by the splitter.</summary>
    private sealed class FinishJob(HeatMapStitcher owner) : RowSplitter.IJob
    {
        public void Run(int firstRow, int endRow, int part) => owner.FinishRows(owner.Top + firstRow, owner.Top + endRow, part);
    }
}
