using PortScanEdge.Core.Imaging;

namespace PortScanEdge.Core.Tests.Imaging;

public sealed class PngHeaderTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(384, 192)]
    [InlineData(70000, 2)]
    public void TryReadSize_APngWritersFile_GivesItsSize(int width, int height)
    {
        var png = PngWriter.EncodeGrey16(new ushort[width * height], width, height);

        Assert.True(PngHeader.TryReadSize(png, out int w, out int h));
        Assert.Equal((width, height), (w, h));
    }

    [Fact]
    public void TryReadSize_NotAPngOrCutShortOrZeroSized_IsFalse()
    {
        var png = PngWriter.EncodeGrey16(new ushort[12], 4, 3);
        var tiff = "II*\0"u8.ToArray().Concat(new byte[40]).ToArray();
        var zeroWidth = (byte[])png.Clone();
        zeroWidth[16] = zeroWidth[17] = zeroWidth[18] = zeroWidth[19] = 0;
        var notIhdr = (byte[])png.Clone();
        notIhdr[12] = (byte)'X';

        Assert.False(PngHeader.TryReadSize(tiff, out _, out _));
        Assert.False(PngHeader.TryReadSize(png.AsSpan(0, 23), out _, out _));
        Assert.False(PngHeader.TryReadSize(zeroWidth, out _, out _));
        Assert.False(PngHeader.TryReadSize(notIhdr, out _, out _));
        Assert.False(PngHeader.TryReadSize([], out _, out _));
    }
}
