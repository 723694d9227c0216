using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PortScanEdge.Detection.Intake;
using PortScanEdge.Detection.Tests.Support;

namespace PortScanEdge.Detection.Tests.Intake;

public sealed class ImageIntakeTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly ImageIntake intake = new(new ImageLimits { MaxWidth = 4096, MaxHeight = 4096, MaxPixels = 4_000_000, MinSide = 16 });
    private readonly Radiograph radiograph = new();

    public void Dispose()
    {
        intake.Dispose();
        temp.Dispose();
    }

    private Rejection? Load(byte[] bytes, string name = "image") => intake.TryLoad(temp.Write(name, bytes), radiograph);

    private static void AssertRejected(Rejection? rejection, RejectionKind kind, string mentions)
    {
        Assert.NotNull(rejection);
        Assert.Equal(kind, rejection.Kind);
        Assert.Contains(mentions, rejection.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Png16_Valid_DecodesExactPixelValues()
    {
        var pixels = TestImages.Gradient(70, 40);
        Assert.Null(Load(TestImages.Png(70, 40, pixels)));
        Assert.Equal((70, 40, 16), (radiograph.Width, radiograph.Height, radiograph.SourceBitDepth));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Fact]
    public void Png8_Valid_IsWidenedBy257()
    {
        var pixels = TestImages.Gradient(33, 20);
        Assert.Null(Load(TestImages.Png(33, 20, pixels, bitDepth: 8)));
        Assert.Equal(8, radiograph.SourceBitDepth);
        for (var i = 0; i < pixels.Length; i++)
        {
            Assert.Equal((pixels[i] >> 8) * 257, radiograph.Pixels[i]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Tiff16_ClassicEitherByteOrder_DecodesExactPixelValues(bool littleEndian)
    {
        var pixels = TestImages.Gradient(50, 31);
        Assert.Null(Load(TestImages.Tiff(50, 31, pixels, littleEndian: littleEndian), "a.tif"));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Fact]
    public void Tiff8_Valid_IsWidenedBy257()
    {
        var pixels = TestImages.Gradient(40, 20);
        Assert.Null(Load(TestImages.Tiff(40, 20, pixels, bitDepth: 8)));
        Assert.Equal((pixels[5] >> 8) * 257, radiograph.Pixels[5]);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public void Png_TruncatedAnywhere_IsRejectedAsTruncated(double keep)
    {
        var png = TestImages.Png(64, 64, TestImages.Gradient(64, 64));
        AssertRejected(Load(png[..(int)(png.Length * keep)]), RejectionKind.Truncated, "truncated");
    }

    [Fact]
    public void Png_CutExactlyBeforeIend_IsRejectedAsTruncated()
    {
        // Every remaining chunk is whole, so only the missing IEND shows the cut: ImageSharp 2.1 would zero-fill.
        var png = TestImages.Png(64, 64, TestImages.Gradient(64, 64));
        AssertRejected(Load(png[..^12]), RejectionKind.Truncated, "IEND");
    }

    [Fact]
    public void Png_ZlibStreamCutShortButChunksIntact_IsRejectedAsTruncatedNotZeroFilled()
    {
        // The case ImageSharp 2.1 zero-fills silently: every chunk and CRC is well formed, IEND is present,
        // but the compressed pixel data stops half-way.
        var width = 64;
        var chunks = TestImages.Chunks(TestImages.Png(width, 64, TestImages.Gradient(width, 64)));
        var idat = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        var cut = new List<(string, byte[])> { chunks[0], ("IDAT", idat[..(idat.Length / 2)]), ("IEND", []) };
        AssertRejected(Load(TestImages.PngFromChunks(cut)), RejectionKind.Truncated, "pixel data ends in row");
    }

    [Theory]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.None)]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Sub)]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Up)]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Average)]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Paeth)]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Adaptive)]
    [InlineData(8, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Paeth)]
    [InlineData(8, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Average)]
    [InlineData(8, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Adaptive)]
    public void Png_EveryFilterTypeFromAnotherEncoder_DecodesExactly(int bitDepth, SixLabors.ImageSharp.Formats.Png.PngFilterMethod filter)
    {
        var pixels = TestImages.Gradient(61, 37, seed: 5);
        var png = TestImages.EncodeWithImageSharp(pixels, 61, 37, bitDepth, filter, interlaced: false);
        Assert.Null(Load(png));
        var expected = bitDepth == 16 ? pixels : pixels.Select(p => (ushort)((p >> 8) * 257)).ToArray();
        Assert.Equal(expected, radiograph.Pixels.ToArray());
    }

    [Theory]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Paeth)]
    [InlineData(16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Adaptive)]
    [InlineData(8, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Adaptive)]
    public void Png_LargeEnoughForThePipelinedDecoder_DecodesExactlyTwiceInARow(int bitDepth, SixLabors.ImageSharp.Formats.Png.PngFilterMethod filter)
    {
        // 1500 x 700 at 16 bits is 2.1 MB of rows: over PipelineMinimumBytes, with a last block of 28 rows.
        var (width, height) = bitDepth == 16 ? (1500, 700) : (3000, 700);
        Assert.True((long)((width * bitDepth / 8) + 1) * height >= PngGreyDecoder.PipelineMinimumBytes);
        var pixels = TestImages.Gradient(width, height, seed: 8);
        var png = TestImages.EncodeWithImageSharp(pixels, width, height, bitDepth, filter, interlaced: false);
        var expected = bitDepth == 16 ? pixels : pixels.Select(p => (ushort)((p >> 8) * 257)).ToArray();
        for (var round = 0; round < 2; round++)
        {
            Assert.Null(intake.TryLoad(png, radiograph));
            Assert.Equal(expected, radiograph.Pixels.ToArray());
        }
    }

    [Fact]
    public void Png_LargeTruncatedOrBadFilter_IsRejectedAndTheNextImageStillDecodes()
    {
        const int Width = 1500, Height = 700;
        var pixels = TestImages.Gradient(Width, Height, seed: 9);
        var good = TestImages.Png(Width, Height, pixels);
        var chunks = TestImages.Chunks(good);
        var idat = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        var truncated = TestImages.PngFromChunks([chunks[0], ("IDAT", idat[..(idat.Length * 3 / 5)]), ("IEND", [])]);
        AssertRejected(intake.TryLoad(truncated, radiograph), RejectionKind.Truncated, "pixel data ends in row");

        // Row 300's filter byte set to 9: rebuild the zlib stream from raw rows with that one byte changed.
        var raw = new byte[Height * ((Width * 2) + 1)];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(raw.AsSpan((y * ((Width * 2) + 1)) + 1 + (x * 2)), pixels[(y * Width) + x]);
            }
        }

        raw[300 * ((Width * 2) + 1)] = 9;
        var badFilter = TestImages.PngFromChunks([chunks[0], ("IDAT", TestImages.Deflate(raw)), ("IEND", [])]);
        AssertRejected(intake.TryLoad(badFilter, radiograph), RejectionKind.Corrupt, "row 300 has invalid filter type 9");

        Assert.Null(intake.TryLoad(good, radiograph));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Theory]
    [InlineData(1500, 700)] // pipelined decoder
    [InlineData(200, 100)] // sequential decoder
    public void Png_DecodeOutOfTime_StopsWithTimeoutAndTheDecoderStaysUsable(int width, int height)
    {
        var pixels = TestImages.Gradient(width, height, seed: 10);
        var png = TestImages.Png(width, height, pixels);
        var file = png.ToArray();
        Assert.Null(ImageIntake.Inspect(file, new ImageLimits(), out var header));
        using var decoder = new PngGreyDecoder();

        // A bound that has already run out: the decoder stops at its first look at the clock.
        var expired = System.Diagnostics.Stopwatch.GetTimestamp() - 1;
        AssertRejected(decoder.Decode(file, file.Length, header, radiograph, expired), RejectionKind.DecodeTimeout, "decoding stopped at row");

        // The same decoder (its worker thread and blocks) decodes the next image exactly.
        Assert.Null(decoder.Decode(file, file.Length, header, radiograph, long.MaxValue));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Fact]
    public void Tiff_DecodeOutOfTime_IsRefusedWithoutWaitingForImageSharp()
    {
        // Six megapixels: ImageSharp needs tens of milliseconds, far longer than a bound of zero.
        var pixels = TestImages.Gradient(3000, 2000, seed: 11);
        var tiff = TestImages.Tiff(3000, 2000, pixels);
        using (var impatient = new ImageIntake(new ImageLimits { DecodeTimeout = TimeSpan.Zero }))
        {
            AssertRejected(impatient.TryLoad(tiff, radiograph), RejectionKind.DecodeTimeout, "still running after the 0 ms bound");
        }

        using var patient = new ImageIntake(new ImageLimits());
        Assert.Null(patient.TryLoad(tiff, radiograph));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Fact]
    public void Png_Interlaced_DecodesExactlyThroughImageSharp()
    {
        var pixels = TestImages.Gradient(45, 33, seed: 6);
        var png = TestImages.EncodeWithImageSharp(pixels, 45, 33, 16, SixLabors.ImageSharp.Formats.Png.PngFilterMethod.Adaptive, interlaced: true);
        Assert.Null(Load(png));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Fact]
    public void Png_IdatTooSmallForDeclaredSize_IsRejectedAsBomb()
    {
        var small = TestImages.Chunks(TestImages.Png(64, 64, new ushort[64 * 64]));
        var header = small[0].Data.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(header, 4000);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 1000);
        small[0] = ("IHDR", header);
        AssertRejected(Load(TestImages.PngFromChunks(small)), RejectionKind.DecompressionBomb, "decompression bomb");
    }

    [Theory]
    [InlineData(2, "colour")]
    [InlineData(6, "colour")]
    [InlineData(4, "alpha")]
    public void Png_ColourOrAlpha_IsRejectedAsColour(int colourType, string mentions)
    {
        var png = TestImages.Png(32, 32, TestImages.Gradient(32, 32), bitDepth: 8, colourType: colourType);
        AssertRejected(Load(png), RejectionKind.Colour, mentions);
    }

    [Fact]
    public void Png_Palette_IsRejectedAsColour()
    {
        var chunks = TestImages.Chunks(TestImages.Png(32, 32, TestImages.Gradient(32, 32), bitDepth: 8));
        chunks[0].Data[9] = 3;
        chunks.Insert(1, ("PLTE", new byte[3 * 256]));
        AssertRejected(Load(TestImages.PngFromChunks(chunks)), RejectionKind.Colour, "palette");
    }

    [Fact]
    public void Png_Animated_IsRejectedAsMultiFrame()
    {
        var actl = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(actl, 2);
        var png = TestImages.Png(32, 32, TestImages.Gradient(32, 32), extraChunksAfterHeader: [("acTL", actl)]);
        AssertRejected(Load(png), RejectionKind.MultiFrame, "animated");
    }

    [Theory]
    [InlineData(0u, 64u, RejectionKind.InvalidDimensions, "zero")]
    [InlineData(64u, 0u, RejectionKind.InvalidDimensions, "zero")]
    [InlineData(0xFFFFFFFFu, 64u, RejectionKind.InvalidDimensions, "4294967295x64")]
    [InlineData(5000u, 64u, RejectionKind.TooLarge, "limits")]
    [InlineData(4000u, 4000u, RejectionKind.TooLarge, "limits")]
    [InlineData(8u, 64u, RejectionKind.InvalidDimensions, "at least 16")]
    public void Png_BadDeclaredDimensions_AreRejectedBeforeDecoding(uint width, uint height, RejectionKind kind, string mentions)
    {
        var chunks = TestImages.Chunks(TestImages.Png(64, 64, TestImages.Gradient(64, 64)));
        BinaryPrimitives.WriteUInt32BigEndian(chunks[0].Data, width);
        BinaryPrimitives.WriteUInt32BigEndian(chunks[0].Data.AsSpan(4), height);
        AssertRejected(Load(TestImages.PngFromChunks(chunks)), kind, mentions);
    }

    [Fact]
    public void Png_LowBitDepth_IsRejectedAsUnsupported()
    {
        var chunks = TestImages.Chunks(TestImages.Png(64, 64, TestImages.Gradient(64, 64), bitDepth: 8));
        chunks[0].Data[8] = 4;
        AssertRejected(Load(TestImages.PngFromChunks(chunks)), RejectionKind.UnsupportedFormat, "4-bit");
    }

    [Fact]
    public void Png_CorruptPixelData_IsRejectedWithoutCrashing()
    {
        var chunks = TestImages.Chunks(TestImages.Png(64, 64, TestImages.Gradient(64, 64)));
        var idat = chunks.FindIndex(c => c.Type == "IDAT");
        for (var i = 2; i < chunks[idat].Data.Length; i += 3)
        {
            chunks[idat].Data[i] ^= 0x5A;
        }

        AssertRejected(Load(TestImages.PngFromChunks(chunks)), RejectionKind.Corrupt, "PNG");
    }

    [Fact]
    public void Png_GarbageIccProfile_IsNeutralisedAndTheImageDecodes()
    {
        var garbage = new byte[300];
        new Random(3).NextBytes(garbage);
        "x\0\0"u8.CopyTo(garbage); // profile name "x", compression method 0, then a bogus zlib stream
        var pixels = TestImages.Gradient(32, 32);
        Assert.Null(Load(TestImages.Png(32, 32, pixels, extraChunksAfterHeader: [("iCCP", garbage)])));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello, I am a text file pretending to be a radiograph")]
    [InlineData("\u00ff\u00d8\u00ff\u00e0 JFIF")]
    public void NonImage_IsRejectedAsNotAnImage(string content)
    {
        var bytes = content.Select(c => (byte)c).ToArray();
        AssertRejected(Load(bytes), RejectionKind.NotAnImage, content.Length == 0 ? "empty" : "not a PNG or TIFF");
        AssertRejected(intake.TryLoad(bytes, radiograph), RejectionKind.NotAnImage, content.Length == 0 ? "empty" : "not a PNG or TIFF");
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int mkfifo(string path, uint mode);

    [Fact]
    public void NamedPipe_IsRejectedWithoutBlockingOnOpen()
    {
        var fifo = Path.Combine(temp.Path, "scanner.pipe");
        Assert.Equal(0, mkfifo(fifo, Convert.ToUInt32("600", 8)));
        AssertRejected(intake.TryLoad(fifo, radiograph), RejectionKind.NotAnImage, "not a regular file");
    }

    [Fact]
    public void Directory_IsRejectedAsFileError()
    {
        AssertRejected(intake.TryLoad(temp.Path, radiograph), RejectionKind.FileError, "not a file");
    }

    [Fact]
    public void MissingFile_IsRejectedAsFileError()
    {
        AssertRejected(intake.TryLoad(Path.Combine(temp.Path, "nope.png"), radiograph), RejectionKind.FileError, "nope.png");
    }

    [Fact]
    public void FileOverSizeLimit_IsRejectedBeforeReading()
    {
        var small = new ImageIntake(new ImageLimits { MaxFileBytes = 1000 });
        var rejection = small.TryLoad(temp.Write("big.png", TestImages.Png(64, 64, TestImages.Gradient(64, 64))), radiograph);
        AssertRejected(rejection, RejectionKind.FileError, "1000-byte limit");
    }

    [Fact]
    public void Tiff_BigTiff_IsRefused()
    {
        AssertRejected(Load(TestImages.Tiff(32, 32, TestImages.Gradient(32, 32), bigTiff: true)), RejectionKind.UnsupportedFormat, "BigTIFF");
    }

    [Fact]
    public void Tiff_SecondPage_IsRejectedAsMultiFrame()
    {
        var tiff = TestImages.Tiff(32, 32, TestImages.Gradient(32, 32), nextIfd: 8 + 2);
        AssertRejected(Load(tiff), RejectionKind.MultiFrame, "more than one page");
    }

    [Fact]
    public void Tiff_DirectoryChainLoop_IsRejectedAsCorrupt()
    {
        var tiff = TestImages.Tiff(32, 32, TestImages.Gradient(32, 32), nextIfd: 1);
        AssertRejected(Load(tiff), RejectionKind.Corrupt, "loops");
    }

    [Fact]
    public void Tiff_Rgb_IsRejectedAsColour()
    {
        var tiff = TestImages.Tiff(32, 32, TestImages.Gradient(32, 32), bitDepth: 8, samplesPerPixel: 3, photometric: 2);
        AssertRejected(Load(tiff), RejectionKind.Colour, "colour");
    }

    [Fact]
    public void Tiff_Truncated_IsRejectedAsTruncated()
    {
        var tiff = TestImages.Tiff(64, 64, TestImages.Gradient(64, 64));
        AssertRejected(Load(tiff[..(tiff.Length - 100)]), RejectionKind.Truncated, "truncated");
    }

    [Fact]
    public void Tiff_DirectoryOutsideFile_IsRejected()
    {
        var tiff = TestImages.Tiff(32, 32, TestImages.Gradient(32, 32));
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 0x7FFFFFF0);
        AssertRejected(Load(tiff), RejectionKind.Truncated, "outside");
    }

    [Fact]
    public void Tiff_GarbageIccProfile_IsNeutralisedAndTheImageDecodes()
    {
        var pixels = TestImages.Gradient(32, 32);
        Assert.Null(Load(TestImages.Tiff(32, 32, pixels, withIccGarbage: true)));
        Assert.Equal(pixels, radiograph.Pixels.ToArray());
    }

    [Fact]
    public void RandomMutations_NeverThrow_AndEachOutcomeIsDecodedOrNamed()
    {
        // A seeded fuzz sweep over byte flips and cuts of valid PNG and TIFF files.
        var random = new Random(20261129);
        var seeds = new[] { TestImages.Png(48, 40, TestImages.Gradient(48, 40)), TestImages.Tiff(48, 40, TestImages.Gradient(48, 40)) };
        var rejected = 0;
        for (var i = 0; i < 300; i++)
        {
            var bytes = seeds[i % 2].ToArray();
            var flips = random.Next(1, 8);
            for (var f = 0; f < flips; f++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            if (random.Next(3) == 0)
            {
                bytes = bytes[..random.Next(1, bytes.Length)];
            }

            var rejection = intake.TryLoad(bytes, radiograph);
            if (rejection is not null)
            {
                rejected++;
                Assert.False(string.IsNullOrWhiteSpace(rejection.Message));
            }
            else
            {
                Assert.Equal((48, 40), (radiograph.Width, radiograph.Height));
            }
        }

        Assert.True(rejected > 100, $"only {rejected} of 300 mutated files were rejected");
    }
}
