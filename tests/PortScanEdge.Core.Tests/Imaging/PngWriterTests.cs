using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using PortScanEdge.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Core.Tests.Imaging;

public sealed class PngWriterTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(640, 480)]
    public void EncodeGrey16_AnyPixels_AnIndependentDecoderReadsThemBack(int width, int height)
    {
        var pixels = RandomGrey(width, height, seed: width * 31 + height);
        pixels[0] = 0;
        pixels[^1] = ushort.MaxValue;

        var png = PngWriter.EncodeGrey16(pixels, width, height);

        using var image = Image.Load<L16>(png);
        Assert.Equal((width, height), (image.Width, image.Height));
        var decoded = new L16[width * height];
        image.CopyPixelDataTo(decoded);
        Assert.Equal(pixels, decoded.Select(p => p.PackedValue).ToArray());
    }

    [Fact]
    public void Rgb8_RowByRow_AnIndependentDecoderReadsThePixelsBack()
    {
        const int width = 300, height = 200;
        var random = new Random(5);
        var rows = new byte[height][];
        using var stream = new MemoryStream();
        using (var writer = new PngWriter(stream, width, height, PngLayout.Rgb8, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                rows[y] = new byte[3 * width];
                // Smooth gradients with noise, so every filter type wins somewhere.
                for (int i = 0; i < rows[y].Length; i++)
                {
                    rows[y][i] = (byte)((i / 3) + y + (i % 3 * 40) + (random.Next(8) == 0 ? random.Next(256) : 0));
                }

                writer.WriteRow(rows[y]);
            }

            writer.Complete();
        }

        using var image = Image.Load<Rgb24>(stream.ToArray());
        var decoded = new Rgb24[width * height];
        image.CopyPixelDataTo(decoded);
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(rows[y], MemoryMarshal.AsBytes(decoded.AsSpan(y * width, width)).ToArray());
        }
    }

    [Fact]
    public void EncodeGrey16_LargeImage_SplitsIntoIdatChunksWithValidChecksumsAndEndsWithIend()
    {
        var png = PngWriter.EncodeGrey16(RandomGrey(512, 256, seed: 3), 512, 256);

        var chunks = Chunks(png);
        Assert.Equal("IHDR", chunks[0].Type);
        Assert.Equal("IEND", chunks[^1].Type);
        Assert.True(chunks.Count(c => c.Type == "IDAT") > 1, "random 16-bit samples deflate to more than one 64 KB chunk");
        Assert.All(chunks, c => Assert.True(c.CrcOk, $"{c.Type} checksum"));
        Assert.Equal(png.Length, chunks.Sum(c => c.Length + 12) + 8);
    }

    [Fact]
    public void Complete_BeforeTheLastRow_ThrowsAndNamesTheRowsWritten()
    {
        using var writer = new PngWriter(new MemoryStream(), 4, 3, PngLayout.Grey16);
        writer.WriteRow(new ushort[4]);

        var error = Assert.Throws<InvalidOperationException>(writer.Complete);
        Assert.Contains("1 of 3 rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRow_WrongLengthTooManyRowsOrWrongLayout_Throws()
    {
        using var writer = new PngWriter(new MemoryStream(), 4, 1, PngLayout.Grey16);

        Assert.Contains("3 values", Assert.Throws<ArgumentException>(() => writer.WriteRow(new ushort[3])).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => writer.WriteRow(new byte[12]));
        writer.WriteRow(new ushort[4]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteRow(new ushort[4]));
    }

    [Fact]
    public void EncodeGrey16_PixelCountNotWidthTimesHeight_Throws()
    {
        Assert.Throws<ArgumentException>(() => PngWriter.EncodeGrey16(new ushort[10], 4, 3));
    }

    private static ushort[] RandomGrey(int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new ushort[width * height];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (ushort)random.Next(65536);
        }

        return pixels;
    }

    private static List<(string Type, int Length, bool CrcOk)> Chunks(byte[] png)
    {
        var chunks = new List<(string, int, bool)>();
        for (int offset = 8; offset + 12 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var typeAndData = png.AsSpan(offset + 4, 4 + length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            chunks.Add((Encoding.ASCII.GetString(typeAndData[..4]), length, stored == Crc32.Compute(typeAndData)));
            offset += 12 + length;
        }

        return chunks;
    }
}
