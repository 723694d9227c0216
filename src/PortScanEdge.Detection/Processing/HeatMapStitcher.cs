using System.Numerics;

namespace PortScanEdge.Detection.Processing;

/// <summary>
/// Accumulates tile anomaly maps back at their positions on the downsampled radiograph; where tiles overlap the
/// values are averaged. Grow-only buffers; one instance per workspace; not thread-safe.
/// </summary>
public sealed class HeatMapStitcher
{
    private float[] sum = [];
    private float[] weight = [];

    /// <summary>Map width (the downsampled radiograph's width).</summary>
    public int Width { get; private set; }

    /// <summary>Map height.</summary>
    public int Height { get; private set; }

    /// <summary>The stitched map after <see cref="Finish"/>; row-major, <see cref="Width"/> × <see cref="Height"/>.</summary>
    public ReadOnlySpan<float> Map => sum.AsSpan(0, Width * Height);

    /// <summary>Starts a new map of the given size.</summary>
    public void Begin(int width, int height)
    {
        Width = width;
        Height = height;
        var needed = width * height;
        if (sum.Length < needed)
        {
            sum = GC.AllocateUninitializedArray<float>(needed);
            weight = GC.AllocateUninitializedArray<float>(needed);
        }

        sum.AsSpan(0, needed).Clear();
        weight.AsSpan(0, needed).Clear();
    }

    /// <summary>Adds one tile map (<paramref name="tileWidth"/> × <paramref name="tileHeight"/>) whose top-left is at (<paramref name="originX"/>, <paramref name="originY"/>); parts outside the map (padding) are dropped.</summary>
    public void Add(ReadOnlySpan<float> tile, int tileWidth, int tileHeight, int originX, int originY)
    {
        var copyWidth = Math.Min(tileWidth, Width - originX);
        var copyHeight = Math.Min(tileHeight, Height - originY);
        var one = Vector<float>.One;
        var lanes = Vector<float>.Count;
        for (var y = 0; y < copyHeight; y++)
        {
            var source = tile.Slice(y * tileWidth, copyWidth);
            var at = ((originY + y) * Width) + originX;
            var sums = sum.AsSpan(at, copyWidth);
            var weights = weight.AsSpan(at, copyWidth);
            var x = 0;
            for (; x <= copyWidth - lanes; x += lanes)
            {
                (new Vector<float>(sums[x..]) + new Vector<float>(source[x..])).CopyTo(sums[x..]);
                (new Vector<float>(weights[x..]) + one).CopyTo(weights[x..]);
            }

            for (; x < copyWidth; x++)
            {
                sums[x] += source[x];
                weights[x] += 1f;
            }
        }
    }

    /// <summary>Divides by coverage so overlaps are averaged. Returns the largest map value.</summary>
    public float Finish()
    {
        var length = Width * Height;
        if (length == 0)
        {
            return 0f;
        }

        var sums = sum.AsSpan(0, length);
        var weights = weight.AsSpan(0, length);
        var lanes = Vector<float>.Count;
        var peaks = new Vector<float>(float.NegativeInfinity);
        var i = 0;
        for (; i <= length - lanes; i += lanes)
        {
            // Every map pixel lies under at least one tile (the plan covers the map), so the weight is never 0 here;
            // the select keeps an uncovered pixel at 0 rather than NaN all the same.
            var w = new Vector<float>(weights[i..]);
            var value = Vector.ConditionalSelect(Vector.GreaterThan(w, Vector<float>.Zero), new Vector<float>(sums[i..]) / w, Vector<float>.Zero);
            value.CopyTo(sums[i..]);
            peaks = Vector.Max(peaks, value);
        }

        var peak = float.NegativeInfinity;
        for (var lane = 0; lane < lanes; lane++)
        {
            peak = Math.Max(peak, peaks[lane]);
        }

        for (; i < length; i++)
        {
            var value = weights[i] > 0 ? sums[i] / weights[i] : 0f;
            sums[i] = value;
            peak = Math.Max(peak, value);
        }

        return peak;
    }
}
