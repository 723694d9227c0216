namespace PortScanEdge.Detection.Intake;

/// <summary>
/// A decoded greyscale radiograph in a grow-only buffer owned by one analysis workspace. Pixel values are
/// 16-bit transmitted intensity (8-bit files are widened by ×257, so 255 → 65535). Reused frame after frame:
/// never hand <see cref="Pixels"/> to code that outlives the analysis.
/// </summary>
public sealed class Radiograph
{
    private ushort[] pixels = [];

    /// <summary>Width, pixels.</summary>
    public int Width { get; private set; }

    /// <summary>Height, pixels.</summary>
    public int Height { get; private set; }

    /// <summary>Bits per sample of the source file (8 or 16).</summary>
    public int SourceBitDepth { get; private set; }

    /// <summary>Row-major pixels, <see cref="Width"/> × <see cref="Height"/>.</summary>
    public Span<ushort> Pixels => pixels.AsSpan(0, Width * Height);

    /// <summary>Sets the size and grows the buffer when needed; contents are undefined until written.</summary>
    public void Reset(int width, int height, int sourceBitDepth)
    {
        var needed = checked(width * height);
        if (pixels.Length < needed)
        {
            // Grow-only: one large allocation the first time a radiograph of this size arrives, none after.
            pixels = GC.AllocateUninitializedArray<ushort>(needed);
        }

        Width = width;
        Height = height;
        SourceBitDepth = sourceBitDepth;
    }
}
