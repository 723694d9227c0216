using System.Buffers.Binary;

namespace PortScanEdge.Core.Imaging;

/// <summary>The fixed start of every PNG file: the signature, then the IHDR chunk with the image's size.</summary>
public static class PngHeader
{
    /// <summary>The eight signature bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Reads the width and height a PNG file declares (its IHDR chunk), without checking the rest of the file:
    /// false when <paramref name="file"/> does not start with a PNG signature and an IHDR chunk. Only a size stated,
    /// not an image proven valid: the gateway's intake checks that.
    /// </summary>
    public static bool TryReadSize(ReadOnlySpan<byte> file, out int width, out int height)
    {
        width = 0;
        height = 0;
        if (file.Length < 24 || !file[..8].SequenceEqual(Signature) || !file.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return false;
        }

        uint w = BinaryPrimitives.ReadUInt32BigEndian(file.Slice(16, 4));
        uint h = BinaryPrimitives.ReadUInt32BigEndian(file.Slice(20, 4));
        if (w is 0 or > int.MaxValue || h is 0 or > int.MaxValue)
        {
            return false;
        }

        width = (int)w;
        height = (int)h;
        return true;
    }
}
