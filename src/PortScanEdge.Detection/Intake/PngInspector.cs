using System.Buffers.Binary;
using System.Globalization;
using PortScanEdge.Core.Imaging;

namespace PortScanEdge.Detection.Intake;

/// <summary>
/// Walks a PNG's chunk list before ImageSharp sees it (PNG spec §5). ImageSharp 2.1 zero-fills a truncated
/// PNG silently and parses ICC profiles with known weaknesses, so this walk is where truncation, animation,
/// colour and lying headers are caught, and where the iCCP chunk is renamed to an unknown ancillary chunk
/// (re-sealed with a fresh CRC) so the decoder skips it.
/// </summary>
internal static class PngInspector
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const uint Ihdr = 0x49484452; // "IHDR"
    private const uint Idat = 0x49444154; // "IDAT"
    private const uint Iend = 0x49454E44; // "IEND"
    private const uint Actl = 0x6163544C; // "acTL" (APNG)
    private const uint Iccp = 0x69434350; // "iCCP"
    private const uint Plte = 0x504C5445; // "PLTE"

    /// <summary>Most chunks accepted; a radiograph has a handful plus its IDATs (a 24 MB image in 8 KB IDATs has ~3,000).</summary>
    private const int MaxChunks = 1 << 20;

    public static Rejection? Inspect(Span<byte> file, ImageLimits limits, out ImageHeader header)
    {
        header = default;
        var offset = Signature.Length;
        var chunkCount = 0;
        var sawHeader = false;
        var sawEnd = false;
        long idatBytes = 0;
        int width = 0, height = 0, bitDepth = 0, colourType = 0;
        var interlaced = false;

        while (offset < file.Length)
        {
            if (file.Length - offset < 12)
            {
                return new Rejection(RejectionKind.Truncated, Invariant($"PNG ends inside a chunk header at byte {offset} of {file.Length}; the file is truncated"));
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(file[offset..]);
            var type = BinaryPrimitives.ReadUInt32BigEndian(file[(offset + 4)..]);
            if (length > int.MaxValue || length > (ulong)(file.Length - offset - 12))
            {
                return new Rejection(RejectionKind.Truncated, Invariant($"PNG chunk '{ChunkName(file.Slice(offset + 4, 4))}' at byte {offset} declares {length} bytes but only {Math.Max(0, file.Length - offset - 12)} remain; the file is truncated"));
            }

            if (++chunkCount > MaxChunks)
            {
                return new Rejection(RejectionKind.Corrupt, Invariant($"PNG has more than {MaxChunks} chunks"));
            }

            var data = file.Slice(offset + 8, (int)length);
            if (!sawHeader)
            {
                if (type != Ihdr || length != 13)
                {
                    return new Rejection(RejectionKind.Corrupt, $"PNG does not start with a 13-byte IHDR chunk (found '{ChunkName(file.Slice(offset + 4, 4))}')");
                }

                sawHeader = true;
                var rawWidth = BinaryPrimitives.ReadUInt32BigEndian(data);
                var rawHeight = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                bitDepth = data[8];
                colourType = data[9];
                var dimensionProblem = ImageIntake.CheckDimensions(rawWidth, rawHeight, limits);
                if (dimensionProblem is not null)
                {
                    return dimensionProblem;
                }

                width = (int)rawWidth;
                height = (int)rawHeight;
                switch (colourType)
                {
                    case 0:
                        break;
                    case 2 or 6:
                        return new Rejection(RejectionKind.Colour, Invariant($"PNG is a colour image (colour type {colourType}); a greyscale radiograph is expected"));
                    case 3:
                        return new Rejection(RejectionKind.Colour, "PNG is a palette (indexed-colour) image; a greyscale radiograph is expected");
                    case 4:
                        return new Rejection(RejectionKind.Colour, "PNG is greyscale with an alpha channel; a plain greyscale radiograph is expected");
                    default:
                        return new Rejection(RejectionKind.Corrupt, Invariant($"PNG has an invalid colour type {colourType}"));
                }

                if (bitDepth is not (8 or 16))
                {
                    return new Rejection(RejectionKind.UnsupportedFormat, Invariant($"PNG has {bitDepth}-bit samples; 8- or 16-bit greyscale is expected"));
                }

                if (data[10] != 0 || data[11] != 0 || data[12] > 1)
                {
                    return new Rejection(RejectionKind.Corrupt, "PNG header has an invalid compression, filter or interlace method");
                }

                interlaced = data[12] == 1;
            }
            else
            {
                switch (type)
                {
                    case Ihdr:
                        return new Rejection(RejectionKind.Corrupt, Invariant($"PNG has a second IHDR chunk at byte {offset}"));
                    case Actl:
                        return new Rejection(RejectionKind.MultiFrame, "PNG is animated (APNG acTL chunk); a single radiograph is expected");
                    case Plte:
                        return new Rejection(RejectionKind.Corrupt, "greyscale PNG carries a palette chunk, which the PNG spec forbids");
                    case Idat:
                        idatBytes += length;
                        break;
                    case Iccp:
                        // Rename to the unknown ancillary chunk "icCX" and re-seal; the decoder skips unknown
                        // ancillary chunks, so ImageSharp 2.1's ICC parser never sees untrusted bytes.
                        file[offset + 7] = (byte)'X';
                        file[offset + 6] = (byte)'C';
                        BinaryPrimitives.WriteUInt32BigEndian(file[(offset + 8 + (int)length)..], Crc32.Compute(file.Slice(offset + 4, 4 + (int)length)));
                        break;
                    case Iend:
                        sawEnd = true;
                        break;
                    default:
                        // Unknown critical chunks (upper-case first letter) make a file undecodable.
                        if ((file[offset + 4] & 0x20) == 0 && type is not (Ihdr or Idat or Iend or Plte))
                        {
                            return new Rejection(RejectionKind.UnsupportedFormat, $"PNG has an unknown critical chunk '{ChunkName(file.Slice(offset + 4, 4))}'");
                        }

                        break;
                }
            }

            offset += 12 + (int)length;
            if (sawEnd)
            {
                break;
            }
        }

        if (!sawHeader)
        {
            return new Rejection(RejectionKind.Truncated, "PNG has a signature but no IHDR chunk; the file is truncated");
        }

        if (idatBytes == 0)
        {
            return new Rejection(RejectionKind.Truncated, "PNG has no image data (IDAT); the file is truncated");
        }

        if (!sawEnd)
        {
            return new Rejection(RejectionKind.Truncated, Invariant($"PNG ends after {file.Length} bytes without an IEND chunk; the file is truncated"));
        }

        header = new ImageHeader(ImageContainer.Png, width, height, bitDepth, idatBytes, interlaced);
        // PNG rows carry one filter byte each on top of the samples.
        var decodedWithFilters = header.DecodedBytes + height;
        return ImageIntake.CheckCompressionRatio(decodedWithFilters, idatBytes, limits, "PNG");
    }

    private static string ChunkName(ReadOnlySpan<byte> name)
    {
        Span<char> text = stackalloc char[4];
        for (var i = 0; i < 4; i++)
        {
            text[i] = name[i] is >= 0x20 and < 0x7F ? (char)name[i] : '?';
        }

        return new string(text);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
