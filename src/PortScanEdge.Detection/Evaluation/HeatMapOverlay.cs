using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Evaluation;

/// <summary>
/// Renders a radiograph thumbnail (log-scaled grey, air bright) with its anomaly map laid over it (transparent
/// below the pixel threshold, yellow→red above), labelled boxes in green and the map's peak as a cyan cross.
/// </summary>
public static class HeatMapOverlay
{
    /// <summary>Writes the overlay of <paramref name="pixels"/> (16-bit, row-major) and <paramref name="map"/> (row-major, any size, values 0–1) to <paramref name="path"/>.</summary>
    public static void Save(string path, ReadOnlySpan<ushort> pixels, int width, int height, ReadOnlySpan<float> map, int mapWidth, int mapHeight, double pixelThreshold, IReadOnlyList<LabelBox> boxes, double peakX, double peakY, int thumbnailWidth = 640)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        int factor = Math.Max(1, (int)Math.Ceiling(width / (double)thumbnailWidth));
        int w = Math.Max(1, width / factor), h = Math.Max(1, height / factor);
        using var image = new Image<Rgb24>(w, h);
        double logScale = Math.Log(65535);
        for (int ty = 0; ty < h; ty++)
        {
            for (int tx = 0; tx < w; tx++)
            {
                int sx = Math.Min(width - 1, tx * factor + factor / 2), sy = Math.Min(height - 1, ty * factor + factor / 2);
                double attenuation = Math.Clamp(-Math.Log(Math.Max(1, (int)pixels[sy * width + sx]) / 65535.0) / (logScale * 0.75), 0, 1);
                double grey = 255 * (1 - attenuation);
                int mx = Math.Min(mapWidth - 1, (int)((sx + 0.5) * mapWidth / width));
                int my = Math.Min(mapHeight - 1, (int)((sy + 0.5) * mapHeight / height));
                double value = map[my * mapWidth + mx];
                double r = grey, g = grey, b = grey;
                if (value >= pixelThreshold)
                {
                    double heat = Math.Clamp((value - pixelThreshold) / Math.Max(1e-6, 1 - pixelThreshold), 0, 1);
                    const double alpha = 0.55;
                    r = (1 - alpha) * grey + alpha * 255;
                    g = (1 - alpha) * grey + alpha * 255 * (1 - heat);
                    b = (1 - alpha) * grey;
                }

                image[tx, ty] = new Rgb24((byte)r, (byte)g, (byte)b);
            }
        }

        var green = new Rgb24(20, 200, 60);
        foreach (var box in boxes)
        {
            int x0 = Math.Clamp(box.X / factor - 1, 0, w - 1), y0 = Math.Clamp(box.Y / factor - 1, 0, h - 1);
            int x1 = Math.Clamp((box.X + box.Width) / factor + 1, 0, w - 1), y1 = Math.Clamp((box.Y + box.Height) / factor + 1, 0, h - 1);
            for (int x = x0; x <= x1; x++)
            {
                image[x, y0] = green;
                image[x, y1] = green;
            }

            for (int y = y0; y <= y1; y++)
            {
                image[x0, y] = green;
                image[x1, y] = green;
            }
        }

        if (!double.IsNaN(peakX) && !double.IsNaN(peakY))
        {
            int px = (int)(peakX / factor), py = (int)(peakY / factor);
            for (int d = -6; d <= 6; d++)
            {
                if ((uint)(px + d) < (uint)w && (uint)py < (uint)h)
                {
                    image[px + d, py] = new Rgb24(0, 220, 255);
                }

                if ((uint)px < (uint)w && (uint)(py + d) < (uint)h)
                {
                    image[px, py + d] = new Rgb24(0, 220, 255);
                }
            }
        }

        image.SaveAsPng(path);
    }
}
