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
/// go through ImageSharp. One instance per intake; not thread-safe.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "IdatStream wraps a managed array; disposing it releases nothing.")]
internal sealed class PngGreyDecoder
{
    private readonly IdatStream idat = new();
    private byte[] previous = [];
    private byte[] current = [];

    public Rejection? Decode(byte[] file, int length, ImageHeader header, Radiograph target)
    {
        var bytesPerPixel = header.BitDepth / 8;
        var stride = header.Width * bytesPerPixel;
        if (current.Length < stride + 1)
        {
            previous = new byte[stride + 1];
            current = new byte[stride + 1];
        }

        target.Reset(header.Width, header.Height, header.BitDepth);
        idat.Reset(file, length);
        var prior = previous.AsSpan(0, stride + 1);
        var row = current.AsSpan(0, stride + 1);
        prior.Clear(); // The row above the first is all zeros (PNG spec §9.2).
        try
        {
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            for (var y = 0; y < header.Height; y++)
            {
                var filled = ReadFully(zlib, row);
                if (filled < row.Length)
                {
                    return new Rejection(RejectionKind.Truncated, Invariant($"PNG pixel data ends in row {y} of {header.Height} ({filled} of {row.Length} bytes); the file is truncated"));
                }

                var filter = row[0];
                if (filter > 4)
                {
                    return new Rejection(RejectionKind.Corrupt, Invariant($"PNG row {y} has invalid filter type {filter}"));
                }

                Unfilter(filter, row[1..], prior[1..], bytesPerPixel);
                var pixels = target.Pixels.Slice(y * header.Width, header.Width);
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

                var swap = prior;
                prior = row;
                row = swap;
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
