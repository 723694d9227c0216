using System.Buffers.Binary;
using System.IO.Compression;
using PortScanEdge.Core.Imaging;
using PortScanEdge.Detection.Intake;

namespace PortScanEdge.Detection.Tests.Support;

/// <summary>
/// Writes PNG and TIFF files byte by byte, so tests can make valid radiographs and every kind of hostile
/// file (lying headers, truncation, extra frames) without depending on the decoder under test.
/// </summary>
internal static class TestImages
{
    public static ushort[] Gradient(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new ushort[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                pixels[(y * width) + x] = (ushort)((x * 37 + y * 101 + random.Next(0, 500)) % 65536);
            }
        }

        return pixels;
    }

    /// <summary>A grey PNG. <paramref name="bitDepth"/> 8 takes the high byte of each sample.</summary>
    public static byte[] Png(int width, int height, ushort[] pixels, int bitDepth = 16, int colourType = 0, IEnumerable<(string Type, byte[] Data)>? extraChunksAfterHeader = null)
    {
        var channels = colourType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 1 };
        var bytesPerSample = bitDepth / 8;
        var stride = width * channels * bytesPerSample;
        var raw = new byte[height * (stride + 1)];
        for (var y = 0; y < height; y++)
        {
            var row = raw.AsSpan((y * (stride + 1)) + 1, stride);
            for (var x = 0; x < width; x++)
            {
                var value = pixels[(y * width) + x];
                for (var c = 0; c < channels; c++)
                {
                    var at = ((x * channels) + c) * bytesPerSample;
                    if (bitDepth == 16)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(row[at..], (ushort)(value + (c * 1000)));
                    }
                    else
                    {
                        row[at] = (byte)((value >> 8) + (c * 10));
                    }
                }
            }
        }

        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = (byte)bitDepth;
        header[9] = (byte)colourType;
        var chunks = new List<(string, byte[])> { ("IHDR", header) };
        if (extraChunksAfterHeader is not null)
        {
            chunks.AddRange(extraChunksAfterHeader);
        }

        var compressed = Deflate(raw);
        // Split the pixel data over several IDATs, as real encoders do.
        for (var at = 0; at < compressed.Length; at += 8192)
        {
            chunks.Add(("IDAT", compressed[at..Math.Min(compressed.Length, at + 8192)]));
        }

        chunks.Add(("IEND", []));
        return PngFromChunks(chunks);
    }

    /// <summary>A grey PNG written by ImageSharp's encoder with the given filter (8-bit takes the high byte).</summary>
    public static byte[] EncodeWithImageSharp(ushort[] pixels, int width, int height, int bitDepth, SixLabors.ImageSharp.Formats.Png.PngFilterMethod filter, bool interlaced)
    {
        using var output = new MemoryStream();
        var encoder = new SixLabors.ImageSharp.Formats.Png.PngEncoder
        {
            ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale,
            BitDepth = bitDepth == 16 ? SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16 : SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit8,
            FilterMethod = filter,
            InterlaceMethod = interlaced ? SixLabors.ImageSharp.Formats.Png.PngInterlaceMode.Adam7 : SixLabors.ImageSharp.Formats.Png.PngInterlaceMode.None,
        };
        if (bitDepth == 16)
        {
            using var image = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.L16>(System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, SixLabors.ImageSharp.PixelFormats.L16>(pixels.AsSpan()), width, height);
            image.Save(output, encoder);
        }
        else
        {
            var bytes = pixels.Select(p => (byte)(p >> 8)).ToArray();
            using var image = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.L8>(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, SixLabors.ImageSharp.PixelFormats.L8>(bytes.AsSpan()), width, height);
            image.Save(output, encoder);
        }

        return output.ToArray();
    }

    public static byte[] PngFromChunks(IEnumerable<(string Type, byte[] Data)> chunks)
    {
        using var output = new MemoryStream();
        output.Write(PngInspector.Signature);
        Span<byte> word = stackalloc byte[4];
        foreach (var (type, data) in chunks)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
            output.Write(word);
            var typed = new byte[4 + data.Length];
            System.Text.Encoding.ASCII.GetBytes(type).CopyTo(typed, 0);
            data.CopyTo(typed, 4);
            output.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(typed));
            output.Write(word);
        }

        return output.ToArray();
    }

    /// <summary>Splits a PNG into its chunks (type, data), for tests that rebuild a file with a change.</summary>
    public static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        var list = new List<(string, byte[])>();
        var offset = 8;
        while (offset + 12 <= png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            list.Add((System.Text.Encoding.ASCII.GetString(png, offset + 4, 4), png[(offset + 8)..(offset + 8 + length)]));
            offset += 12 + length;
        }

        return list;
    }

    public static byte[] Deflate(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        return output.ToArray();
    }

    /// <summary>An uncompressed single-strip grey TIFF (classic, or with <paramref name="bigTiff"/> the BigTIFF version word).</summary>
    public static byte[] Tiff(
        int width,
        int height,
        ushort[] pixels,
        int bitDepth = 16,
        bool littleEndian = true,
        int samplesPerPixel = 1,
        int photometric = 1,
        uint nextIfd = 0,
        bool bigTiff = false,
        bool withIccGarbage = false)
    {
        var bytesPerSample = bitDepth / 8;
        var stripBytes = width * height * samplesPerPixel * bytesPerSample;
        var tags = new List<(ushort Tag, ushort Type, uint Count, uint Value)>
        {
            (256, 4, 1, (uint)width),
            (257, 4, 1, (uint)height),
            (258, 3, 1, (uint)bitDepth),
            (259, 3, 1, 1),
            (262, 3, 1, (uint)photometric),
            (273, 4, 1, 0), // patched below: strip offset
            (277, 3, 1, (uint)samplesPerPixel),
            (278, 4, 1, (uint)height),
            (279, 4, 1, (uint)stripBytes),
        };
        var iccBytes = withIccGarbage ? Enumerable.Range(0, 64).Select(i => (byte)(i * 7)).ToArray() : [];
        if (withIccGarbage)
        {
            tags.Add((34675, 7, (uint)iccBytes.Length, 0)); // patched below: ICC offset
        }

        const int ifdOffset = 8;
        var ifdSize = 2 + (tags.Count * 12) + 4;
        var iccOffset = ifdOffset + ifdSize;
        var stripOffset = iccOffset + iccBytes.Length;
        var file = new byte[stripOffset + stripBytes];
        void U16(int at, ushort v) { if (littleEndian) { BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at), v); } else { BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(at), v); } }
        void U32(int at, uint v) { if (littleEndian) { BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), v); } else { BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at), v); } }
        file[0] = file[1] = (byte)(littleEndian ? 'I' : 'M');
        U16(2, (ushort)(bigTiff ? 43 : 42));
        U32(4, ifdOffset);
        U16(ifdOffset, (ushort)tags.Count);
        for (var i = 0; i < tags.Count; i++)
        {
            var (tag, type, count, value) = tags[i];
            if (tag == 273)
            {
                value = (uint)stripOffset;
            }
            else if (tag == 34675)
            {
                value = (uint)iccOffset;
            }

            var entry = ifdOffset + 2 + (i * 12);
            U16(entry, tag);
            U16(entry + 2, type);
            U32(entry + 4, count);
            if (type == 3 && count == 1)
            {
                U16(entry + 8, (ushort)value);
            }
            else
            {
                U32(entry + 8, value);
            }
        }

        U32(ifdOffset + 2 + (tags.Count * 12), nextIfd == 1 ? ifdOffset : nextIfd);
        iccBytes.CopyTo(file, iccOffset);
        for (var p = 0; p < width * height; p++)
        {
            for (var c = 0; c < samplesPerPixel; c++)
            {
                var at = stripOffset + (((p * samplesPerPixel) + c) * bytesPerSample);
                if (bitDepth == 16)
                {
                    U16(at, pixels[p]);
                }
                else
                {
                    file[at] = (byte)(pixels[p] >> 8);
                }
            }
        }

        return file;
    }
}
