using System.Globalization;

namespace PortScanEdge.Simulation.Radiographs;

/// <summary>An axis-aligned box in radiograph pixels: left column, top row, width and height.</summary>
/// <param name="X">Left column, pixels from the image's left edge.</param>
/// <param name="Y">Top row, pixels from the image's top edge.</param>
/// <param name="Width">Width in pixels (≥ 0).</param>
/// <param name="Height">Height in pixels (≥ 0).</param>
public readonly record struct PixelBox(int X, int Y, int Width, int Height)
{
    /// <summary>True when the box covers no pixel.</summary>
    public bool IsEmpty => Width <= 0 || Height <= 0;

    /// <summary>Builds a box from its left-top corner (inclusive) and right-bottom corner (exclusive).</summary>
    public static PixelBox FromCorners(int left, int top, int right, int bottom) =>
        new(left, top, Math.Max(0, right - left), Math.Max(0, bottom - top));

    /// <summary>True when pixel (x, y) lies inside the box.</summary>
    public bool Contains(int x, int y) => x >= X && x < X + Width && y >= Y && y < Y + Height;

    /// <summary>The smallest box holding both boxes (an empty box is ignored).</summary>
    public PixelBox Union(PixelBox other)
    {
        if (IsEmpty)
        {
            return other;
        }

        if (other.IsEmpty)
        {
            return this;
        }

        return FromCorners(Math.Min(X, other.X), Math.Min(Y, other.Y), Math.Max(X + Width, other.X + other.Width), Math.Max(Y + Height, other.Y + other.Height));
    }

    /// <summary>The box clipped to an image of the given size.</summary>
    public PixelBox ClipTo(int width, int height) =>
        FromCorners(Math.Clamp(X, 0, width), Math.Clamp(Y, 0, height), Math.Clamp(X + Width, 0, width), Math.Clamp(Y + Height, 0, height));

    /// <summary>The <c>labels.csv</c> form <c>x:y:w:h</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{X}:{Y}:{Width}:{Height}");
}
