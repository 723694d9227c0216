using PortScanEdge.Detection.Inference;

namespace PortScanEdge.Detection.Processing;

/// <summary>
/// Where the network-input tiles sit on the downsampled radiograph. Along each axis tiles start every
/// (tile − overlap) pixels and the last one is pulled back to end exactly at the edge, so every pixel is covered
/// and no tile hangs over except when the whole axis is shorter than a tile (then one tile, padded). A plan may
/// cover only the rows from a given top row down (a two-band model's band): its first tile row starts there, or
/// higher when the rows left are fewer than a tile (the tile then reaches up for context). Grow-only arrays: planning the same size again allocates nothing.
/// </summary>
public sealed class TilePlan
{
    private int[] xs = new int[16];
    private int[] ys = new int[16];

    /// <summary>Tile width, pixels.</summary>
    public int TileWidth { get; private set; }

    /// <summary>Tile height, pixels.</summary>
    public int TileHeight { get; private set; }

    /// <summary>Tiles across.</summary>
    public int Columns { get; private set; }

    /// <summary>Tiles down.</summary>
    public int Rows { get; private set; }

    /// <summary>Total tiles.</summary>
    public int Count => Columns * Rows;

    /// <summary>
    /// Plans tiles of <paramref name="tileWidth"/> × <paramref name="tileHeight"/> with <paramref name="overlap"/>
    /// over an image of <paramref name="width"/> × <paramref name="height"/>, covering its rows from
    /// <paramref name="top"/> down.
    /// </summary>
    public void Plan(int width, int height, int tileWidth, int tileHeight, int overlap, int top = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlap, Math.Min(tileWidth, tileHeight));
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(top, height);
        TileWidth = tileWidth;
        TileHeight = tileHeight;
        Columns = Axis(width, 0, tileWidth, overlap, ref xs);
        Rows = Axis(height, top, tileHeight, overlap, ref ys);
    }

    /// <summary>
    /// Plans the tiles a network of <paramref name="contract"/> runs on a radiograph of
    /// <paramref name="radiographWidth"/> × <paramref name="radiographHeight"/> pixels: its tile size and overlap on
    /// the radiograph reduced by its downsample, covering the reduced rows from <paramref name="top"/> down.
    /// </summary>
    public void Plan(ModelContract contract, int radiographWidth, int radiographHeight, int top = 0)
    {
        ArgumentNullException.ThrowIfNull(contract);
        Plan(contract.ReducedLength(radiographWidth), contract.ReducedLength(radiographHeight), contract.InputWidth, contract.InputHeight, contract.TileOverlap, top);
    }

    /// <summary>Top-left corner of tile <paramref name="index"/> (row-major: index = row × Columns + column).</summary>
    public (int X, int Y) Origin(int index) => (xs[index % Columns], ys[index / Columns]);

    private static int Axis(int length, int start, int tile, int overlap, ref int[] positions)
    {
        if (length - start <= tile)
        {
            positions[0] = Math.Max(0, length - tile);
            return 1;
        }

        var stride = tile - overlap;
        var count = ((length - start - tile + stride - 1) / stride) + 1;
        if (positions.Length < count)
        {
            positions = new int[count * 2];
        }

        for (var i = 0; i < count - 1; i++)
        {
            positions[i] = start + (i * stride);
        }

        positions[count - 1] = length - tile;
        return count;
    }
}
