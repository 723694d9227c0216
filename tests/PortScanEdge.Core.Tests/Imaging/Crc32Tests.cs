using System.Text;
using PortScanEdge.Core.Imaging;

namespace PortScanEdge.Core.Tests.Imaging;

public sealed class Crc32Tests
{
    [Fact]
    public void Compute_StandardCheckInput_GivesTheCatalogueValue()
    {
        // The CRC-32/ISO-HDLC check value from the CRC catalogue.
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    [Fact]
    public void Append_InPieces_EqualsComputeInOne()
    {
        var data = Encoding.ASCII.GetBytes("IDAT and some data");
        Assert.Equal(Crc32.Compute(data), Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Start, data.AsSpan(0, 4)), data.AsSpan(4))));
    }
}
