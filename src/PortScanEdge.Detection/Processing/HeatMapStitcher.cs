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
        for (var y = 0; y < copyHeight; y++)
        {
            var source = tile.Slice(y * tileWidth, copyWidth);
            var at = ((originY + y) * Width) + originX;
            var sums = sum.AsSpan(at, copyWidth);
            var weights = weight.AsSpan(at, copyWidth);
            for (var x = 0; x < copyWidth; x++)
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
        var sums = sum.AsSpan(0, length);
        var weights = weight.AsSpan(0, length);
        var peak = float.NegativeInfinity;
        for (var i = 0; i < length; i++)
        {
            var value = weights[i] > 0 ? sums[i] / weights[i] : 0f;
            sums[i] = value;
            if (value > peak)
            {
                peak = value;
            }
        }

        return length == 0 ? 0f : peak;
    }
}
