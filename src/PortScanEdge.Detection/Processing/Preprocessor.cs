using PortScanEdge.Detection.Inference;
using PortScanEdge.Detection.Intake;

namespace PortScanEdge.Detection.Processing;

/// <summary>
/// Turns a radiograph into network input per the model contract: box-average downsampling of the raw values
/// (averaging transmitted intensity, as a coarser detector would), then the pixel transform through a 65,536-entry
/// lookup table (the logarithm is never evaluated per pixel), into a grow-only float plane; then copies tiles
/// from the plane into the bound input tensor, replicating grey into every channel, with optional mean/std.
/// Row work is shared with the workspace's <see cref="RowSplitter"/>. One instance per workspace; not thread-safe.
/// </summary>
public sealed class Preprocessor
{
    private readonly ModelContract contract;
    private readonly RowSplitter splitter;
    private readonly float[] lut16;
    private readonly float[] lut8;
    private readonly uint[][] accumulators = new uint[RowSplitter.MaxParts][];
    private readonly ReduceJob reduceJob;
    private readonly FillJob fillJob;
    private float[][] planes = [[], []];

    /// <summary>Creates the preprocessor and its lookup tables for <paramref name="contract"/>.</summary>
    /// <param name="contract">The model contract.</param>
    /// <param name="splitter">Shares the row work with a second core; <see cref="RowSplitter.Inline"/> when null.</param>
    public Preprocessor(ModelContract contract, RowSplitter? splitter = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        this.contract = contract;
        this.splitter = splitter ?? RowSplitter.Inline;
        // 8-bit sources arrive widened ×257. A model scale that is explicit refers to raw file values, so for
        // 8-bit files it is widened the same way; the default (65535 / 255) is the same table either way.
        var scale16 = contract.PixelScale ?? 65535.0;
        var scale8 = contract.PixelScale is { } explicitScale ? explicitScale * 257.0 : 65535.0;
        lut16 = BuildTable(scale16, contract.Transform);
        lut8 = scale8 == scale16 ? lut16 : BuildTable(scale8, contract.Transform);
        PadValue = lut16[Math.Min(65535, (int)Math.Round(scale16))];
        for (var part = 0; part < accumulators.Length; part++)
        {
            accumulators[part] = [];
        }

        reduceJob = new ReduceJob(this);
        fillJob = new FillJob(this);
    }

    /// <summary>Width of the downsampled plane.</summary>
    public int ReducedWidth { get; private set; }

    /// <summary>Height of the downsampled plane.</summary>
    public int ReducedHeight { get; private set; }

    /// <summary>Transformed value of open air (raw = scale), used to pad tiles that overhang a small image.</summary>
    public float PadValue { get; }

    /// <summary>The transformed, downsampled plane <paramref name="index"/> (0, or 1 for the high-energy image).</summary>
    public ReadOnlySpan<float> Plane(int index) => planes[index].AsSpan(0, ReducedWidth * ReducedHeight);

    /// <summary>The transform of one raw 16-bit value (what the table holds), for tests and documentation.</summary>
    public static float Transform(double raw, double scale, PixelTransform transform) => transform switch
    {
        PixelTransform.LogAttenuation => (float)Math.Clamp(-Math.Log(Math.Max(raw, 1.0) / scale) / Math.Log(scale), 0.0, 1.0),
        _ => (float)(raw / scale),
    };

    /// <summary>
    /// Downsamples and transforms <paramref name="radiograph"/> into plane <paramref name="planeIndex"/>, its rows
    /// from <paramref name="fromRow"/> (of the reduced plane) down; the rows above keep stale values.
    /// </summary>
    public void Reduce(Radiograph radiograph, int planeIndex, int fromRow = 0)
    {
        ArgumentNullException.ThrowIfNull(radiograph);
        var d = contract.Downsample;
        var width = radiograph.Width;
        ReducedWidth = contract.ReducedLength(width);
        ReducedHeight = contract.ReducedLength(radiograph.Height);
        var needed = ReducedWidth * ReducedHeight;
        if (planes[planeIndex].Length < needed)
        {
            planes[planeIndex] = GC.AllocateUninitializedArray<float>(needed);
        }

        if (d > 1 && accumulators[0].Length < width)
        {
            for (var part = 0; part < accumulators.Length; part++)
            {
                accumulators[part] = new uint[width];
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(fromRow);
        reduceJob.Source = radiograph;
        reduceJob.Target = planes[planeIndex];
        reduceJob.From = Math.Min(fromRow, ReducedHeight);
        splitter.Run(reduceJob, ReducedHeight - reduceJob.From);
        reduceJob.Source = null;
    }

    /// <summary>
    /// Copies tiles <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1 of
    /// <paramref name="plan"/> into batch slots 0 … <paramref name="count"/> − 1 of <paramref name="input"/>
    /// ([batch, channels, tileHeight, tileWidth]), the rows shared between two cores.
    /// </summary>
    public void FillTiles(float[] input, TilePlan plan, int first, int count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(plan);
        fillJob.Input = input;
        fillJob.Plan = plan;
        fillJob.First = first;
        fillJob.Count = count;
        splitter.Run(fillJob, contract.InputHeight);
        fillJob.Input = null;
        fillJob.Plan = null;
    }

    /// <summary>
    /// Copies the tile at (<paramref name="originX"/>, <paramref name="originY"/>) of the plane(s) into batch slot
    /// <paramref name="slot"/> of <paramref name="input"/> ([batch, channels, tileHeight, tileWidth]).
    /// </summary>
    public void FillTile(float[] input, int slot, int originX, int originY)
    {
        ArgumentNullException.ThrowIfNull(input);
        FillRows(input, slot, originX, originY, 0, contract.InputHeight);
    }

    private void ReduceRows(Radiograph radiograph, float[] plane, int fromRow, int toRow, int part)
    {
        var d = contract.Downsample;
        var width = radiograph.Width;
        var height = radiograph.Height;
        var reducedWidth = ReducedWidth;
        var lut = radiograph.SourceBitDepth == 8 ? lut8 : lut16;
        ReadOnlySpan<ushort> pixels = radiograph.Pixels;
        if (d == 1)
        {
            for (var i = fromRow * width; i < toRow * width; i++)
            {
                plane[i] = lut[pixels[i]];
            }

            return;
        }

        // Rows are summed column-wise into a full-width accumulator with vector widening adds (one pass per
        // source row), then each output pixel adds its d columns: the per-pixel work is vectorised and the
        // d-by-d block loop runs once per output row instead of once per source row.
        var acc = accumulators[part].AsSpan(0, width);
        var fullColumns = width / d;
        for (var ry = fromRow; ry < toRow; ry++)
        {
            acc.Clear();
            var y0 = ry * d;
            var y1 = Math.Min(height, y0 + d);
            for (var y = y0; y < y1; y++)
            {
                AddWidened(pixels.Slice(y * width, width), acc);
            }

            var rows = (uint)(y1 - y0);
            var target = plane.AsSpan(ry * reducedWidth, reducedWidth);
            var fullCount = rows * (uint)d;
            var half = fullCount / 2;
            if (d == 4 && rows == 4)
            {
                // The common case (downsample 4, a full block of rows): 16 values, so the rounded mean is a shift.
                for (var rx = 0; rx < fullColumns; rx++)
                {
                    var at = rx * 4;
                    target[rx] = lut[(acc[at] + acc[at + 1] + acc[at + 2] + acc[at + 3] + 8) >> 4];
                }
            }
            else
            {
                for (var rx = 0; rx < fullColumns; rx++)
                {
                    var block = acc.Slice(rx * d, d);
                    uint sum = 0;
                    foreach (var column in block)
                    {
                        sum += column;
                    }

                    target[rx] = lut[(sum + half) / fullCount];
                }
            }

            if (fullColumns < reducedWidth)
            {
                uint sum = 0;
                foreach (var column in acc[(fullColumns * d)..])
                {
                    sum += column;
                }

                var count = rows * (uint)(width - (fullColumns * d));
                target[fullColumns] = lut[(sum + (count / 2)) / count];
            }
        }
    }

    /// <summary>Rows [<paramref name="fromRow"/>, <paramref name="toRow"/>) of one tile: copy, replicate, normalise.</summary>
    private void FillRows(float[] input, int slot, int originX, int originY, int fromRow, int toRow)
    {
        var tileWidth = contract.InputWidth;
        var tileLength = contract.InputHeight * tileWidth;
        var channels = contract.Channels;
        var rowsLength = (toRow - fromRow) * tileWidth;
        for (var c = 0; c < channels; c++)
        {
            var channelStart = ((slot * channels) + c) * tileLength;
            if (c > 0 && channels == 3)
            {
                // Grey replicated: channel 0 is already filled (before normalisation, which follows per channel).
                input.AsSpan((slot * channels * tileLength) + (fromRow * tileWidth), rowsLength).CopyTo(input.AsSpan(channelStart + (fromRow * tileWidth), rowsLength));
            }
            else
            {
                CopyWindow(planes[channels == 2 ? c : 0], input.AsSpan(channelStart, tileLength), originX, originY, tileWidth, fromRow, toRow);
            }
        }

        if (contract.Mean is null && contract.Std is null)
        {
            return;
        }

        // Normalise last, channel by channel, so replication above copies untouched values.
        for (var c = channels - 1; c >= 0; c--)
        {
            var mean = contract.Mean?[c] ?? 0f;
            var inverseStd = 1f / (contract.Std?[c] ?? 1f);
            var destination = input.AsSpan((((slot * channels) + c) * tileLength) + (fromRow * tileWidth), rowsLength);
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = (destination[i] - mean) * inverseStd;
            }
        }
    }

    private static void AddWidened(ReadOnlySpan<ushort> source, Span<uint> accumulator)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var lanes = System.Numerics.Vector<ushort>.Count;
            var half = System.Numerics.Vector<uint>.Count;
            for (; i <= source.Length - lanes; i += lanes)
            {
                System.Numerics.Vector.Widen(new System.Numerics.Vector<ushort>(source[i..]), out var low, out var high);
                (new System.Numerics.Vector<uint>(accumulator[i..]) + low).CopyTo(accumulator[i..]);
                (new System.Numerics.Vector<uint>(accumulator[(i + half)..]) + high).CopyTo(accumulator[(i + half)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            accumulator[i] += source[i];
        }
    }

    private void CopyWindow(float[] plane, Span<float> destination, int originX, int originY, int tileWidth, int fromRow, int toRow)
    {
        var copyWidth = Math.Min(tileWidth, ReducedWidth - originX);
        for (var y = fromRow; y < toRow; y++)
        {
            var row = destination.Slice(y * tileWidth, tileWidth);
            var sourceY = originY + y;
            if (sourceY >= ReducedHeight)
            {
                row.Fill(PadValue);
                continue;
            }

            plane.AsSpan((sourceY * ReducedWidth) + originX, copyWidth).CopyTo(row);
            if (copyWidth < tileWidth)
            {
                row[copyWidth..].Fill(PadValue);
            }
        }
    }

    private static float[] BuildTable(double scale, PixelTransform transform)
    {
        var table = new float[65536];
        for (var raw = 0; raw < table.Length; raw++)
        {
            table[raw] = Transform(raw, scale, transform);
        }

        return table;
    }

    /// <summary>One <see cref="Reduce"/>: its rows, shared out by the splitter.</summary>
    private sealed class ReduceJob(Preprocessor owner) : RowSplitter.IJob
    {
        public Radiograph? Source { get; set; }

        public float[] Target { get; set; } = [];

        public int From { get; set; }

        public void Run(int firstRow, int endRow, int part) => owner.ReduceRows(Source!, Target, From + firstRow, From + endRow, part);
    }

    /// <summary>One <see cref="FillTiles"/>: the same rows of every tile in the batch go to the same part.</summary>
    private sealed class FillJob(Preprocessor owner) : RowSplitter.IJob
    {
        public float[]? Input { get; set; }

        public TilePlan? Plan { get; set; }

        public int First { get; set; }

        public int Count { get; set; }

        public void Run(int firstRow, int endRow, int part)
        {
            for (var slot = 0; slot < Count; slot++)
            {
                var (x, y) = Plan!.Origin(First + slot);
                owner.FillRows(Input!, slot, x, y, firstRow, endRow);
            }
        }
    }
}
