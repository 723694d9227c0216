namespace PortScanEdge.Detection.Intake;

/// <summary>Container formats the intake accepts.</summary>
public enum ImageContainer
{
    /// <summary>PNG (RFC 2083 / ISO 15948).</summary>
    Png,

    /// <summary>Classic TIFF 6.0 (not BigTIFF).</summary>
    Tiff,
}

/// <summary>What the structural walk learned about an image before any pixel was decoded.</summary>
/// <param name="Container">PNG or TIFF.</param>
/// <param name="Width">Width, pixels.</param>
/// <param name="Height">Height, pixels.</param>
/// <param name="BitDepth">Bits per grey sample: 8 or 16.</param>
/// <param name="CompressedBytes">Bytes of pixel data in the file (PNG IDAT payload, TIFF strip/tile bytes).</param>
/// <param name="Interlaced">PNG Adam7 interlacing (decoded by ImageSharp rather than the fast path).</param>
public readonly record struct ImageHeader(ImageContainer Container, int Width, int Height, int BitDepth, long CompressedBytes, bool Interlaced = false)
{
    /// <summary>Bytes the decoded pixels occupy.</summary>
    public long DecodedBytes => (long)Width * Height * (BitDepth / 8);
}
