using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace PortScanEdge.Detection.Intake;

/// <summary>
/// The fast path for the radiograph format scanners actually write: non-interlaced 8/16-bit greyscale PNG
/// (PNG spec §9 filters, §10 zlib). It runs only after <see cref="PngInspector"/> has validated the chunk list.
/// Why not ImageSharp here: ImageSharp 2.1 zero-fills a truncated zlib stream silently, allocates about 1 MB of
/// managed bookkeeping per 12-megapixel image and decodes it several times slower. This decoder inflates the
/// IDAT payloads in place (no copy), unfilters into grow-only row buffers, and knows exactly where the data
/// stopped, so a short stream is rejected as truncated with the row it ended in. Interlaced PNGs and TIFFs still
/// go through ImageSharp.
/// Large images are decoded as a two-stage pipeline: this thread inflates blocks of rows while a dedicated
/// worker thread unfilters the previous block (Paeth is a serial chain as costly as inflating), so on a
/// multi-core gateway the decode takes about as long as the inflate alone. Blocks are grow-only buffers handed
/// over through semaphores: no allocation per image. One instance per intake; not thread-safe.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "IdatStream wraps a managed array; disposing it releases nothing.")]
internal sealed class PngGreyDecoder : IDisposable
{
    /// <summary>Images with at least this many filtered bytes use the pipeline; below it a thread hand-off costs more than it saves.</summary>
    internal const long PipelineMinimumBytes = 1 << 20;

    /// <summary>Rows between two looks at the clock in the sequential decoder (the pipeline looks once per block).</summary>
    private const int DeadlineCheckRows = 16;

    private readonly IdatStream idat = new();
    private byte[] previous = [];
    private byte[] current = [];
    private RowPipeline? pipeline;

    /// <summary>Decodes into <paramref name="target"/>; stops with a <see cref="RejectionKind.DecodeTimeout"/> once
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> passes <paramref name="deadline"/> (checked every block of rows).</summary>
    public Rejection? Decode(byte[] file, int length, ImageHeader header, Radiograph target, long deadline)
    {
        var bytesPerPixel = header.BitDepth / 8;
        var stride = header.Width * bytesPerPixel;
        target.Reset(header.Width, header.Height, header.BitDepth);
        idat.Reset(file, length);
        try
        {
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            var rejection = (long)(stride + 1) * header.Height >= PipelineMinimumBytes && Environment.ProcessorCount > 1
                ? (pipeline ??= new RowPipeline()).Run(zlib, header, target, deadline)
                : DecodeSequentially(zlib, header, target, deadline);
            if (rejection is not null)
            {
                return rejection;
            }

            // Read past the last row: this makes zlib check the Adler-32 trailer and reveals surplus data.
            Span<byte> probe = stackalloc byte[1];
            if (zlib.Read(probe) != 0)
            {
                return new Rejection(RejectionKind.Corrupt, "PNG holds more pixel data than its header declares");
            }
        }
        catch (InvalidDataException exception)
        {
            return new Rejection(RejectionKind.Corrupt, $"PNG pixel data is not a valid zlib stream: {exception.Message}");
        }

        return null;
    }

    /// <inheritdoc/>
    public void Dispose() => pipeline?.Dispose();

    private Rejection? DecodeSequentially(ZLibStream zlib, ImageHeader header, Radiograph target, long deadline)
    {
        var bytesPerPixel = header.BitDepth / 8;
        var rowLength = (header.Width * bytesPerPixel) + 1;
        if (current.Length < rowLength)
        {
            previous = new byte[rowLength];
            current = new byte[rowLength];
        }

        var prior = previous.AsSpan(0, rowLength);
        var row = current.AsSpan(0, rowLength);
        prior.Clear(); // The row above the first is all zeros (PNG spec §9.2).
        for (var y = 0; y < header.Height; y++)
        {
            if (y % DeadlineCheckRows == 0 && System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
            {
                return OutOfTime(y, header.Height);
            }

            var filled = ReadFully(zlib, row);
            if (filled < row.Length)
            {
                return TruncatedAt(y, header.Height, filled, row.Length);
            }

            if (row[0] > 4)
            {
                return BadFilter(y, row[0]);
            }

            WriteRow(row, prior, bytesPerPixel, target.Pixels.Slice(y * header.Width, header.Width));
            var swap = prior;
            prior = row;
            row = swap;
        }

        return null;
    }

    /// <summary>Unfilters <paramref name="row"/> (filter byte first) against <paramref name="prior"/> and stores it as 16-bit pixels.</summary>
    private static void WriteRow(Span<byte> row, ReadOnlySpan<byte> prior, int bytesPerPixel, Span<ushort> pixels)
    {
        Unfilter(row[0], row[1..], prior[1..], bytesPerPixel);
        if (bytesPerPixel == 2)
        {
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(row[1..]), pixels);
        }
        else
        {
            var samples = row[1..];
            for (var x = 0; x < samples.Length; x++)
            {
                pixels[x] = (ushort)(samples[x] * 257);
            }
        }
    }

    private static Rejection TruncatedAt(int y, int height, int filled, int rowLength) =>
        new(RejectionKind.Truncated, Invariant($"PNG pixel data ends in row {y} of {height} ({filled} of {rowLength} bytes); the file is truncated"));

    private static Rejection OutOfTime(int y, int height) =>
        new(RejectionKind.DecodeTimeout, Invariant($"decoding stopped at row {y} of {height}: the decode-time bound (detection.decode_timeout) ran out"));

    private static Rejection BadFilter(int y, byte filter) =>
        new(RejectionKind.Corrupt, Invariant($"PNG row {y} has invalid filter type {filter}"));

    /// <summary>
    /// Inflate on the caller's thread, unfilter on a worker: <see cref="BlockCount"/> blocks of
    /// <see cref="BlockRows"/> rows circulate; the caller fills a free block and releases it as filled, the worker
    /// unfilters it in order (carrying the block's last row as the next block's "row above") and frees it. A block
    /// with no rows ends the image. Every path through <see cref="Run"/> ends the image and waits for the worker,
    /// so no block is in use when it returns.
    /// </summary>
    private sealed class RowPipeline : IDisposable
    {
        private const int BlockRows = 32;
        private const int BlockCount = 4;
        private readonly SemaphoreSlim filled = new(0, BlockCount);
        private readonly SemaphoreSlim free = new(BlockCount, BlockCount);
        private readonly SemaphoreSlim finished = new(0, 1);
        private readonly byte[][] blocks = new byte[BlockCount][];
        private readonly int[] rowsIn = new int[BlockCount];
        private readonly int[] firstRowOf = new int[BlockCount];
        private readonly Thread worker;
        private byte[] carry = [];
        private int rowLength;
        private int bytesPerPixel;
        private int width;
        private Radiograph? target;
        private int badRow;
        private byte badFilter;
        private volatile bool stopping;

        public RowPipeline()
        {
            for (var i = 0; i < BlockCount; i++)
            {
                blocks[i] = [];
            }

            worker = new Thread(WorkerLoop) { IsBackground = true, Name = "png-unfilter" };
            worker.Start();
        }

        public Rejection? Run(ZLibStream zlib, ImageHeader header, Radiograph radiograph, long deadline)
        {
            bytesPerPixel = header.BitDepth / 8;
            width = header.Width;
            rowLength = (width * bytesPerPixel) + 1;
            target = radiograph;
            badRow = -1;
            if (carry.Length < rowLength)
            {
                carry = new byte[rowLength];
                for (var i = 0; i < BlockCount; i++)
                {
                    blocks[i] = new byte[BlockRows * rowLength];
                }
            }

            carry.AsSpan(0, rowLength).Clear(); // The row above the first is all zeros (PNG spec §9.2).
            var block = 0;
            var rows = 0;
            var firstRow = 0;
            Rejection? rejection = null;
            free.Wait();
            try
            {
                for (var y = 0; y < header.Height; y++)
                {
                    var row = blocks[block].AsSpan(rows * rowLength, rowLength);
                    var got = ReadFully(zlib, row);
                    if (got < rowLength)
                    {
                        rejection = TruncatedAt(y, header.Height, got, rowLength);
                        break;
                    }

                    if (++rows == BlockRows)
                    {
                        if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                        {
                            rejection = OutOfTime(y + 1, header.Height);
                            break;
                        }

                        Submit(block, rows, firstRow);
                        block = (block + 1) % BlockCount;
                        firstRow = y + 1;
                        rows = 0;
                        free.Wait();
                    }
                }

                if (rejection is null && rows > 0)
                {
                    Submit(block, rows, firstRow);
                    block = (block + 1) % BlockCount;
                    free.Wait();
                }
            }
            finally
            {
                // Whatever happened (including a zlib exception), end the image in the block we hold and wait
                // until the worker has drained every block before the caller reuses them.
                Submit(block, 0, 0);
                finished.Wait();
            }

            return rejection ?? (badRow >= 0 ? BadFilter(badRow, badFilter) : null);
        }

        private void Submit(int block, int rows, int firstRow)
        {
            rowsIn[block] = rows;
            firstRowOf[block] = firstRow;
            filled.Release();
        }

        private void WorkerLoop()
        {
            var next = 0;
            while (true)
            {
                filled.Wait();
                if (stopping)
                {
                    return;
                }

                var rows = rowsIn[next];
                if (rows > 0 && badRow < 0)
                {
                    Unfilter(blocks[next], rows, firstRowOf[next]);
                }

                next = (next + 1) % BlockCount;
                free.Release();
                if (rows == 0)
                {
                    next = 0; // Run starts every image at block 0.
                    finished.Release();
                }
            }
        }

        private void Unfilter(byte[] block, int rows, int firstRow)
        {
            var pixels = target!.Pixels;
            var prior = carry.AsSpan(0, rowLength);
            for (var i = 0; i < rows; i++)
            {
                var row = block.AsSpan(i * rowLength, rowLength);
                if (row[0] > 4)
                {
                    badFilter = row[0];
                    badRow = firstRow + i;
                    return;
                }

                WriteRow(row, prior, bytesPerPixel, pixels.Slice((firstRow + i) * width, width));
                prior = row;
            }

            prior.CopyTo(carry);
        }

        public void Dispose()
        {
            stopping = true;
            filled.Release();
            worker.Join();
            filled.Dispose();
            free.Dispose();
            finished.Dispose();
        }
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>Reverses a PNG filter in place (spec §9.2); <paramref name="above"/> is the previous unfiltered row.</summary>
    internal static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> above, int bytesPerPixel)
    {
        switch (filter)
        {
            case 1: // Sub
                for (var i = bytesPerPixel; i < row.Length; i++)
                {
                    row[i] += row[i - bytesPerPixel];
                }

                break;
            case 2: // Up
                AddUp(row, above);
                break;
            case 3: // Average
                for (var i = 0; i < bytesPerPixel; i++)
                {
                    row[i] += (byte)(above[i] >> 1);
                }

                for (var i = bytesPerPixel; i < row.Length; i++)
                {
                    row[i] += (byte)((row[i - bytesPerPixel] + above[i]) >> 1);
                }

                break;
            case 4: // Paeth
                for (var i = 0; i < bytesPerPixel; i++)
                {
                    row[i] += above[i];
                }

                UnfilterPaeth(row, above, bytesPerPixel);
                break;
        }
    }

    private static void AddUp(Span<byte> row, ReadOnlySpan<byte> above)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var width = System.Numerics.Vector<byte>.Count;
            for (; i <= row.Length - width; i += width)
            {
                var sum = new System.Numerics.Vector<byte>(row[i..]) + new System.Numerics.Vector<byte>(above[i..]);
                sum.CopyTo(row[i..]);
            }
        }

        for (; i < row.Length; i++)
        {
            row[i] += above[i];
        }
    }

    /// <summary>
    /// Paeth (spec §9.4) from byte <paramref name="bytesPerPixel"/> on. Each byte depends on the one
    /// <paramref name="bytesPerPixel"/> to its left, so this is the decoder's critical chain: the left and
    /// upper-left bytes are carried in registers (one chain per byte lane) instead of being re-read from memory,
    /// and the predictor is chosen without branches (on noisy radiographs the choice is unpredictable).
    /// </summary>
    private static void UnfilterPaeth(Span<byte> row, ReadOnlySpan<byte> above, int bytesPerPixel)
    {
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var u = ref MemoryMarshal.GetReference(above);
        var length = row.Length;
        if (bytesPerPixel == 2 && (length & 1) == 0)
        {
            int a0 = r, a1 = System.Runtime.CompilerServices.Unsafe.Add(ref r, 1);
            int c0 = u, c1 = System.Runtime.CompilerServices.Unsafe.Add(ref u, 1);
            for (var i = 2; i < length; i += 2)
            {
                int b0 = System.Runtime.CompilerServices.Unsafe.Add(ref u, i);
                int b1 = System.Runtime.CompilerServices.Unsafe.Add(ref u, i + 1);
                a0 = (System.Runtime.CompilerServices.Unsafe.Add(ref r, i) + Predict(a0, b0, c0)) & 0xFF;
                a1 = (System.Runtime.CompilerServices.Unsafe.Add(ref r, i + 1) + Predict(a1, b1, c1)) & 0xFF;
                System.Runtime.CompilerServices.Unsafe.Add(ref r, i) = (byte)a0;
                System.Runtime.CompilerServices.Unsafe.Add(ref r, i + 1) = (byte)a1;
                c0 = b0;
                c1 = b1;
            }

            return;
        }

        for (var i = bytesPerPixel; i < length; i++)
        {
            int a = System.Runtime.CompilerServices.Unsafe.Add(ref r, i - bytesPerPixel);
            int b = System.Runtime.CompilerServices.Unsafe.Add(ref u, i);
            int c = System.Runtime.CompilerServices.Unsafe.Add(ref u, i - bytesPerPixel);
            System.Runtime.CompilerServices.Unsafe.Add(ref r, i) += (byte)Predict(a, b, c);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Predict(int a, int b, int c)
    {
        // Branch-free absolute values: Math.Abs branches (and checks for overflow), which mispredicts on noise.
        var pa = Abs(b - c);
        var pb = Abs(a - c);
        var pc = Abs(a + b - c - c);
        var takeB = (pb - pc - 1) >> 31;                           // pb <= pc
        var takeA = ((pa - pb - 1) >> 31) & ((pa - pc - 1) >> 31); // pa <= pb && pa <= pc
        var predictor = (b & takeB) | (c & ~takeB);
        return (a & takeA) | (predictor & ~takeA);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Abs(int value)
    {
        var sign = value >> 31;
        return (value ^ sign) - sign;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A read-only stream over the payloads of a PNG's IDAT chunks, in order, without copying them.</summary>
    private sealed class IdatStream : Stream
    {
        private const uint Idat = 0x49444154;
        private byte[] file = [];
        private int length;
        private int chunk;       // offset of the current chunk's length field
        private int remaining;   // payload bytes left in the current IDAT
        private int position;    // next payload byte

        public void Reset(byte[] bytes, int size)
        {
            file = bytes;
            length = size;
            chunk = 8;
            remaining = 0;
            position = 0;
        }

        public override int Read(Span<byte> buffer)
        {
            while (remaining == 0)
            {
                if (!NextIdat())
                {
                    return 0;
                }
            }

            var count = Math.Min(buffer.Length, remaining);
            file.AsSpan(position, count).CopyTo(buffer);
            position += count;
            remaining -= count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        private bool NextIdat()
        {
            // The chunk list was validated by PngInspector: lengths are in bounds.
            while (chunk + 12 <= length)
            {
                var size = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(chunk));
                var type = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(chunk + 4));
                var payload = chunk + 8;
                chunk = payload + size + 4;
                if (type == Idat)
                {
                    position = payload;
                    remaining = size;
                    return true;
                }
            }

            return false;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
