using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Simulation.Radiographs;

/// <summary>A grid of thumbnails for a person to look at: log-scaled grey, concealment boxes in red.</summary>
internal static class ContactSheet
{
    private const int Columns = 4;
    private const int Margin = 6;

    public static Image<Rgb24> Thumbnail(SyntheticRadiograph radiograph, int thumbnailWidth)
    {
        int factor = Math.Max(1, (int)Math.Ceiling(radiograph.Width / (double)thumbnailWidth));
        int w = radiograph.Width / factor;
        int h = radiograph.Height / factor;
        var image = new Image<Rgb24>(w, h);
        double logScale = Math.Log(65535);
        for (int ty = 0; ty < h; ty++)
        {
            for (int tx = 0; tx < w; tx++)
            {
                double sum = 0;
                for (int dy = 0; dy < factor; dy++)
                {
                    int row = (ty * factor + dy) * radiograph.Width + tx * factor;
                    for (int dx = 0; dx < factor; dx++)
                    {
                        sum += radiograph.HighEnergy[row + dx];
                    }
                }

                // Display in attenuation (log) space, inverted back so air stays bright.
                double mean = Math.Max(1, sum / (factor * factor));
                double attenuation = Math.Clamp(-Math.Log(mean / 65535) / (logScale * 0.75), 0, 1);
                byte grey = (byte)(255 * (1 - attenuation));
                image[tx, ty] = new Rgb24(grey, grey, grey);
            }
        }

        foreach (var box in radiograph.Boxes)
        {
            int x0 = Math.Clamp(box.X / factor - 1, 0, w - 1), y0 = Math.Clamp(box.Y / factor - 1, 0, h - 1);
            int x1 = Math.Clamp((box.X + box.Width) / factor + 1, 0, w - 1), y1 = Math.Clamp((box.Y + box.Height) / factor + 1, 0, h - 1);
            var red = new Rgb24(230, 30, 30);
            for (int x = x0; x <= x1; x++)
            {
                image[x, y0] = red;
                image[x, y1] = red;
            }

            for (int y = y0; y <= y1; y++)
            {
                image[x0, y] = red;
                image[x1, y] = red;
            }
        }

        return image;
    }

    public static void Save(string path, IReadOnlyList<Image<Rgb24>> thumbnails)
    {
        int cellW = thumbnails.Max(t => t.Width) + Margin;
        int cellH = thumbnails.Max(t => t.Height) + Margin;
        int rows = (thumbnails.Count + Columns - 1) / Columns;
        using var sheet = new Image<Rgb24>(Columns * cellW + Margin, rows * cellH + Margin, new Rgb24(40, 40, 48));
        for (int i = 0; i < thumbnails.Count; i++)
        {
            var thumbnail = thumbnails[i];
            int ox = Margin + (i % Columns) * cellW;
            int oy = Margin + (i / Columns) * cellH;
            for (int y = 0; y < thumbnail.Height; y++)
            {
                for (int x = 0; x < thumbnail.Width; x++)
                {
                    sheet[ox + x, oy + y] = thumbnail[x, y];
                }
            }
        }

        sheet.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Rgb });
    }
}
