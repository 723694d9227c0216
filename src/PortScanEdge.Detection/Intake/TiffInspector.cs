using System.Buffers.Binary;
using System.Globalization;

namespace PortScanEdge.Detection.Intake;

/// <summary>
/// Walks a classic TIFF's first image file directory (TIFF 6.0 §2) before ImageSharp sees it. ImageSharp 2.1
/// has unfixed advisories in BigTIFF IFD handling and ICC parsing, so this walk refuses BigTIFF, refuses any
/// second IFD (multi-page, or a chain that loops back), checks every strip/tile lies inside the file, and
/// renames the ICC, XMP, IPTC, Exif and GPS tags to a private tag number in the in-memory copy so the decoder
/// never parses them.
/// </summary>
internal static class TiffInspector
{
    private const int MaxEntries = 1024;
    private const int MaxStrips = 1 << 20;

    /// <summary>Private tag number that neutralised metadata tags are renamed to (TIFF reserves 65000–65535 for reusable private tags).</summary>
    private const ushort NeutralisedTag = 65000;

    public static bool HasSignature(ReadOnlySpan<byte> file) =>
        file.Length >= 4 && ((file[0] == 'I' && file[1] == 'I') || (file[0] == 'M' && file[1] == 'M'));

    public static Rejection? Inspect(Span<byte> file, ImageLimits limits, out ImageHeader header)
    {
        header = default;
        if (file.Length < 8)
        {
            return new Rejection(RejectionKind.Truncated, Invariant($"TIFF is only {file.Length} bytes; the header alone is 8"));
        }

        var little = file[0] == 'I';
        var version = U16(file, 2, little);
        if (version == 43)
        {
            return new Rejection(RejectionKind.UnsupportedFormat, "BigTIFF is not accepted (ImageSharp 2.1 cannot safely walk BigTIFF directories); write a classic TIFF");
        }

        if (version != 42)
        {
            return new Rejection(RejectionKind.NotAnImage, Invariant($"TIFF byte-order mark is followed by version {version}, not 42"));
        }

        var ifd = U32(file, 4, little);
        if (ifd < 8 || ifd > (ulong)file.Length - 2)
        {
            return new Rejection(RejectionKind.Truncated, Invariant($"TIFF's first directory is at byte {ifd}, outside the {file.Length}-byte file; the file is truncated or corrupt"));
        }

        var start = (int)ifd;
        int entries = U16(file, start, little);
        if (entries == 0 || entries > MaxEntries)
        {
            return new Rejection(RejectionKind.Corrupt, Invariant($"TIFF directory at byte {start} has {entries} entries (1..{MaxEntries} expected)"));
        }

        var end = (long)start + 2 + (entries * 12L) + 4;
        if (end > file.Length)
        {
            return new Rejection(RejectionKind.Truncated, Invariant($"TIFF directory at byte {start} runs past the end of the {file.Length}-byte file; the file is truncated"));
        }

        uint width = 0, height = 0, compression = 1, photometric = uint.MaxValue, samples = 1, bits = 1;
        bool hasWidth = false, hasHeight = false;
        int offsetsEntry = -1, countsEntry = -1;
        for (var i = 0; i < entries; i++)
        {
            var entry = start + 2 + (i * 12);
            var tag = U16(file, entry, little);
            switch (tag)
            {
                case 256: hasWidth = TryScalar(file, entry, little, out width); break;
                case 257: hasHeight = TryScalar(file, entry, little, out height); break;
                case 258:
                    if (!TryScalar(file, entry, little, out bits))
                    {
                        return new Rejection(RejectionKind.Corrupt, "TIFF BitsPerSample tag is unreadable");
                    }

                    break;
                case 259: TryScalar(file, entry, little, out compression); break;
                case 262: TryScalar(file, entry, little, out photometric); break;
                case 277: TryScalar(file, entry, little, out samples); break;
                case 273 or 324: offsetsEntry = entry; break;
                case 279 or 325: countsEntry = entry; break;
                case 284:
                    TryScalar(file, entry, little, out var planar);
                    if (planar != 1 && samples > 1)
                    {
                        return new Rejection(RejectionKind.Colour, "TIFF has several sample planes; a single-sample greyscale radiograph is expected");
                    }

                    break;
                case 330:
                    return new Rejection(RejectionKind.MultiFrame, "TIFF has sub-images (SubIFDs); a single radiograph is expected");
                case 700 or 33723 or 34377 or 34665 or 34675 or 34853:
                    // XMP, IPTC, Photoshop, Exif IFD, ICC profile, GPS IFD: untrusted parsers we never need.
                    WriteU16(file, entry, little, NeutralisedTag);
                    break;
            }
        }

        var next = U32(file, (int)(end - 4), little);
        if (next != 0)
        {
            return next == ifd
                ? new Rejection(RejectionKind.Corrupt, Invariant($"TIFF directory chain loops back to byte {ifd}"))
                : new Rejection(RejectionKind.MultiFrame, Invariant($"TIFF has more than one page (next directory at byte {next}); a single radiograph is expected"));
        }

        if (!hasWidth || !hasHeight)
        {
            return new Rejection(RejectionKind.Corrupt, "TIFF lacks its ImageWidth or ImageLength tag");
        }

        var dimensionProblem = ImageIntake.CheckDimensions(width, height, limits);
        if (dimensionProblem is not null)
        {
            return dimensionProblem;
        }

        if (photometric is 2 or 3 or 5 or 6 or 8 or 9 or 10 || samples >= 3)
        {
            return new Rejection(RejectionKind.Colour, Invariant($"TIFF is a colour image (photometric {photometric}, {samples} samples per pixel); a greyscale radiograph is expected"));
        }

        if (samples != 1)
        {
            return new Rejection(RejectionKind.Colour, Invariant($"TIFF has {samples} samples per pixel (extra/alpha samples); a single-sample greyscale radiograph is expected"));
        }

        if (photometric is not (0 or 1))
        {
            return new Rejection(RejectionKind.UnsupportedFormat, Invariant($"TIFF photometric interpretation {photometric} is not greyscale (0 or 1)"));
        }

        if (bits is not (8 or 16))
        {
            return new Rejection(RejectionKind.UnsupportedFormat, Invariant($"TIFF has {bits}-bit samples; 8- or 16-bit greyscale is expected"));
        }

        if (compression is not (1 or 5 or 8 or 32773 or 32946))
        {
            return new Rejection(RejectionKind.UnsupportedFormat, Invariant($"TIFF compression {compression} is not accepted (none, LZW, Deflate or PackBits)"));
        }

        if (offsetsEntry < 0 || countsEntry < 0)
        {
            return new Rejection(RejectionKind.Corrupt, "TIFF lacks strip/tile offsets or byte counts");
        }

        var stripProblem = SumStrips(file, offsetsEntry, countsEntry, little, out var dataBytes);
        if (stripProblem is not null)
        {
            return stripProblem;
        }

        header = new ImageHeader(ImageContainer.Tiff, (int)width, (int)height, (int)bits, dataBytes);
        if (compression == 1 && dataBytes < header.DecodedBytes)
        {
            return new Rejection(RejectionKind.Truncated, Invariant($"uncompressed TIFF holds {dataBytes} pixel bytes but {width}x{height} at {bits} bits needs {header.DecodedBytes}; the file is truncated"));
        }

        return ImageIntake.CheckCompressionRatio(header.DecodedBytes, dataBytes, limits, "TIFF");
    }

    private static Rejection? SumStrips(ReadOnlySpan<byte> file, int offsetsEntry, int countsEntry, bool little, out long total)
    {
        total = 0;
        var count = U32(file, offsetsEntry + 4, little);
        if (count == 0 || count > MaxStrips || U32(file, countsEntry + 4, little) != count)
        {
            return new Rejection(RejectionKind.Corrupt, Invariant($"TIFF has {count} strips/tiles but a different number of byte counts (or none)"));
        }

        for (var i = 0u; i < count; i++)
        {
            if (!TryArrayValue(file, offsetsEntry, i, little, out var stripOffset) || !TryArrayValue(file, countsEntry, i, little, out var stripBytes))
            {
                return new Rejection(RejectionKind.Truncated, "TIFF strip/tile tables run past the end of the file; the file is truncated");
            }

            if ((ulong)stripOffset + stripBytes > (ulong)file.Length)
            {
                return new Rejection(RejectionKind.Truncated, Invariant($"TIFF strip/tile {i} spans bytes {stripOffset}..{(ulong)stripOffset + stripBytes} of a {file.Length}-byte file; the file is truncated"));
            }

            total += stripBytes;
        }

        return null;
    }

    private static bool TryScalar(ReadOnlySpan<byte> file, int entry, bool little, out uint value) =>
        TryArrayValue(file, entry, 0, little, out value);

    /// <summary>Reads element <paramref name="index"/> of a SHORT (3) or LONG (4) tag, inline or at its offset.</summary>
    private static bool TryArrayValue(ReadOnlySpan<byte> file, int entry, uint index, bool little, out uint value)
    {
        value = 0;
        var type = U16(file, entry + 2, little);
        var count = U32(file, entry + 4, little);
        var size = type switch { 3 => 2, 4 => 4, _ => 0 };
        if (size == 0 || index >= count)
        {
            return false;
        }

        long position = (long)count * size <= 4 ? entry + 8 : U32(file, entry + 8, little);
        position += index * (long)size;
        if (position < 0 || position + size > file.Length)
        {
            return false;
        }

        value = size == 2 ? U16(file, (int)position, little) : U32(file, (int)position, little);
        return true;
    }

    private static ushort U16(ReadOnlySpan<byte> file, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(file[at..]) : BinaryPrimitives.ReadUInt16BigEndian(file[at..]);

    private static uint U32(ReadOnlySpan<byte> file, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(file[at..]) : BinaryPrimitives.ReadUInt32BigEndian(file[at..]);

    private static void WriteU16(Span<byte> file, int at, bool little, ushort value)
    {
        if (little)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(file[at..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(file[at..], value);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
