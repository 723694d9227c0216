using PortScanEdge.Core.Imaging;
using PortScanEdge.Detection.Intake;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Processing;

/// <summary>
/// Renders the operator's picture: the radiograph in grey (as the scanner shows it: air bright, dense dark),
/// the anomaly map laid over it in a blue→red colour ramp whose opacity grows with the value, and a box around
/// each region of interest. Reduced so the longest side is at most the configured size. Streams rows into the
/// PNG (a few kilobytes of memory whatever the scan's size); not on the measured per-scan path.
/// </summary>
public static class OverlayRenderer
{
    /// <summary>Map values below this are not tinted, so clean cargo stays readable.</summary>
    private const float TintFrom = 0.15f;

    /// <summary>Log-attenuation stretch: 1/2.5 of the full 16-bit range (transmission down to about 1 %) spans white to black.</summary>
    private const double DisplayGain = 2.5;

    /// <summary>Boxes are drawn at least this many overlay pixels wide, so a small find is still seen at a glance.</summary>
    private const int MinimumBoxSide = 24;

    private static readonly Rgb24 Outline = new(255, 0, 255);

    /// <summary>Writes the overlay PNG of <paramref name="radiograph"/> with <paramref name="map"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, Radiograph radiograph, ReadOnlySpan<float> map, int mapWidth, int mapHeight, int mapScale, IReadOnlyList<RegionOfInterest> regions, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(radiograph);
        ArgumentNullException.ThrowIfNull(regions);
        var reduction = Math.Max(1, (int)Math.Ceiling(Math.Max(radiograph.Width, radiograph.Height) / (double)maxSide));
        var width = Math.Max(1, radiograph.Width / reduction);
        var height = Math.Max(1, radiograph.Height / reduction);
        var source = radiograph.Pixels;
        // Display grey on a log scale (as scanner consoles do): air white, typical cargo mid-grey, dense black.
        // Linear transmission would leave everything behind a truck wall in the bottom tenth of the range.
        Span<byte> display = stackalloc byte[256];
        for (var i = 0; i < display.Length; i++)
        {
            var attenuation = Math.Clamp(-Math.Log(Math.Max(i, 0.5) / 255.0) / Math.Log(65535.0), 0, 1);
            display[i] = (byte)Math.Round(255 * (1 - Math.Min(1, attenuation * DisplayGain)));
        }

        var boxes = new (int X, int Y, int Width, int Height)[regions.Count];
        for (var i = 0; i < boxes.Length; i++)
        {
            var region = regions[i];
            var boxWidth = Math.Max(MinimumBoxSide, region.Width / reduction);
            var boxHeight = Math.Max(MinimumBoxSide, region.Height / reduction);
            boxes[i] = (((region.X + (region.Width / 2)) / reduction) - (boxWidth / 2), ((region.Y + (region.Height / 2)) / reduction) - (boxHeight / 2), boxWidth, boxHeight);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // Row by row into the PNG: a few kilobytes whatever the scan's size.
        var row = new byte[3 * width];
        using var png = new PngWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16), width, height, PngLayout.Rgb8);
        for (var y = 0; y < height; y++)
        {
            var sourceY = Math.Min(radiograph.Height - 1, y * reduction);
            var mapY = Math.Min(mapHeight - 1, sourceY / mapScale);
            for (var x = 0; x < width; x++)
            {
                var sourceX = Math.Min(radiograph.Width - 1, x * reduction);
                var grey = display[source[(sourceY * radiograph.Width) + sourceX] >> 8];
                var value = map[(mapY * mapWidth) + Math.Min(mapWidth - 1, sourceX / mapScale)];
                var colour = Blend(grey, value);
                row[3 * x] = colour.R;
                row[(3 * x) + 1] = colour.G;
                row[(3 * x) + 2] = colour.B;
            }

            foreach (var box in boxes)
            {
                DrawBoxRow(row, width, height, y, box.X, box.Y, box.Width, box.Height);
            }

            png.WriteRow(row);
        }

        png.Complete();
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

    /// <summary>The pixels of row <paramref name="y"/> that a three-pixel magenta outline of the box covers.</summary>
    private static void DrawBoxRow(byte[] row, int width, int height, int y, int x, int top, int w, int h)
    {
        for (var thickness = 0; thickness < 3; thickness++)
        {
            var left = Math.Clamp(x - thickness, 0, width - 1);
            var upper = Math.Clamp(top - thickness, 0, height - 1);
            var right = Math.Clamp(x + w - 1 + thickness, 0, width - 1);
            var lower = Math.Clamp(top + h - 1 + thickness, 0, height - 1);
            if (y < upper || y > lower)
            {
                continue;
            }

            if (y == upper || y == lower)
            {
                Paint(row, left, right);
            }
            else
            {
                Paint(row, left, left);
                Paint(row, right, right);
            }
        }
    }

    private static void Paint(byte[] row, int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            row[3 * i] = Outline.R;
            row[(3 * i) + 1] = Outline.G;
            row[(3 * i) + 2] = Outline.B;
        }
    }
}
