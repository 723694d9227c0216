using PortScanEdge.Detection.Intake;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Processing;

/// <summary>
/// Renders the operator's picture: the radiograph in grey (as the scanner shows it: air bright, dense dark),
/// the anomaly map laid over it in a blue→red colour ramp whose opacity grows with the value, and a box around
/// each region of interest. Reduced so the longest side is at most the configured size. Allocates (it is not
/// on the measured per-scan path; it runs only when an overlay is asked for).
/// </summary>
public static class OverlayRenderer
{
    /// <summary>Map values below this are not tinted, so clean cargo stays readable.</summary>
    private const float TintFrom = 0.15f;

    /// <summary>Log-attenuation stretch: 1/2.5 of the full 16-bit range (transmission down to about 1 %) spans white to black.</summary>
    private const double DisplayGain = 2.5;

    /// <summary>Boxes are drawn at least this many overlay pixels wide, so a small find is still seen at a glance.</summary>
    private const int MinimumBoxSide = 24;

    /// <summary>Writes the overlay PNG of <paramref name="radiograph"/> with <paramref name="map"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, Radiograph radiograph, ReadOnlySpan<float> map, int mapWidth, int mapHeight, int mapScale, IReadOnlyList<RegionOfInterest> regions, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(radiograph);
        ArgumentNullException.ThrowIfNull(regions);
        var reduction = Math.Max(1, (int)Math.Ceiling(Math.Max(radiograph.Width, radiograph.Height) / (double)maxSide));
        var width = Math.Max(1, radiograph.Width / reduction);
        var height = Math.Max(1, radiograph.Height / reduction);
        var pixels = new Rgb24[width * height];
        var source = radiograph.Pixels;
        // Display grey on a log scale (as scanner consoles do): air white, typical cargo mid-grey, dense black.
        // Linear transmission would leave everything behind a truck wall in the bottom tenth of the range.
        Span<byte> display = stackalloc byte[256];
        for (var i = 0; i < display.Length; i++)
        {
            var attenuation = Math.Clamp(-Math.Log(Math.Max(i, 0.5) / 255.0) / Math.Log(65535.0), 0, 1);
            display[i] = (byte)Math.Round(255 * (1 - Math.Min(1, attenuation * DisplayGain)));
        }

        for (var y = 0; y < height; y++)
        {
            var sourceY = Math.Min(radiograph.Height - 1, y * reduction);
            var mapY = Math.Min(mapHeight - 1, sourceY / mapScale);
            for (var x = 0; x < width; x++)
            {
                var sourceX = Math.Min(radiograph.Width - 1, x * reduction);
                var grey = display[source[(sourceY * radiograph.Width) + sourceX] >> 8];
                var value = map[(mapY * mapWidth) + Math.Min(mapWidth - 1, sourceX / mapScale)];
                pixels[(y * width) + x] = Blend(grey, value);
            }
        }

        var outline = new Rgb24(255, 0, 255);
        foreach (var region in regions)
        {
            var boxWidth = Math.Max(MinimumBoxSide, region.Width / reduction);
            var boxHeight = Math.Max(MinimumBoxSide, region.Height / reduction);
            var centreX = (region.X + (region.Width / 2)) / reduction;
            var centreY = (region.Y + (region.Height / 2)) / reduction;
            DrawBox(pixels, width, height, centreX - (boxWidth / 2), centreY - (boxHeight / 2), boxWidth, boxHeight, outline);
        }

        using var image = Image.LoadPixelData<Rgb24>(pixels, width, height);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        image.Save(path, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
    }

    /// <summary>Colour of a map value over a grey pixel (blue at the tint threshold, through yellow, to red at 1).</summary>
    internal static Rgb24 Blend(byte grey, float value)
    {
        if (!(value >= TintFrom))
        {
            return new Rgb24(grey, grey, grey);
        }

        var t = Math.Clamp((value - TintFrom) / (1f - TintFrom), 0f, 1f);
        // Ramp: blue (0) → cyan → yellow (0.66) → red (1).
        float r, g, b;
        if (t < 0.33f)
        {
            r = 0; g = t / 0.33f; b = 1;
        }
        else if (t < 0.66f)
        {
            r = (t - 0.33f) / 0.33f; g = 1; b = 1 - ((t - 0.33f) / 0.33f);
        }
        else
        {
            r = 1; g = 1 - ((t - 0.66f) / 0.34f); b = 0;
        }

        var alpha = 0.25f + (0.5f * t);
        return new Rgb24(Mix(grey, r, alpha), Mix(grey, g, alpha), Mix(grey, b, alpha));
    }

    private static byte Mix(byte grey, float colour, float alpha) => (byte)Math.Clamp((grey * (1 - alpha)) + (colour * 255 * alpha), 0, 255);

    private static void DrawBox(Rgb24[] pixels, int width, int height, int x, int y, int w, int h, Rgb24 colour)
    {
        for (var thickness = 0; thickness < 3; thickness++)
        {
            var left = Math.Clamp(x - thickness, 0, width - 1);
            var top = Math.Clamp(y - thickness, 0, height - 1);
            var right = Math.Clamp(x + w - 1 + thickness, 0, width - 1);
            var bottom = Math.Clamp(y + h - 1 + thickness, 0, height - 1);
            for (var i = left; i <= right; i++)
            {
                pixels[(top * width) + i] = colour;
                pixels[(bottom * width) + i] = colour;
            }

            for (var j = top; j <= bottom; j++)
            {
                pixels[(j * width) + left] = colour;
                pixels[(j * width) + right] = colour;
            }
        }
    }
}
