using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Evaluation;

/// <summary>
/// Draws a ROC curve as a PNG without a font dependency: axes with ticks every 10 %, the chance diagonal (grey),
/// the curve (blue), vertical guides at 1 % and 2 % false-alarm rate (orange) and the operating point (red).
/// The report beside it carries the numbers and axis names.
/// </summary>
public static class RocPlot
{
    private const int Size = 480;
    private const int Margin = 40;

    /// <summary>Writes the plot to <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyList<RocPoint> roc, OperatingPoint? operatingPoint = null)
    {
        ArgumentNullException.ThrowIfNull(roc);
        using var image = new Image<Rgb24>(Size, Size, new Rgb24(255, 255, 255));
        int plot = Size - 2 * Margin;
        (int X, int Y) Map(double fpr, double tpr) => (Margin + (int)Math.Round(fpr * plot), Size - Margin - (int)Math.Round(tpr * plot));

        var grid = new Rgb24(225, 225, 225);
        for (int i = 0; i <= 10; i++)
        {
            var (gx, _) = Map(i / 10.0, 0);
            var (_, gy) = Map(0, i / 10.0);
            Line(image, gx, Margin, gx, Size - Margin, grid);
            Line(image, Margin, gy, Size - Margin, gy, grid);
            Line(image, gx, Size - Margin, gx, Size - Margin + 5, new Rgb24(0, 0, 0));
            Line(image, Margin - 5, gy, Margin, gy, new Rgb24(0, 0, 0));
        }

        var orange = new Rgb24(240, 150, 30);
        foreach (var guide in new[] { 0.01, 0.02 })
        {
            var (ox, _) = Map(guide, 0);
            Line(image, ox, Margin, ox, Size - Margin, orange);
        }

        var (x0, y0) = Map(0, 0);
        var (x1, y1) = Map(1, 1);
        Line(image, x0, y0, x1, y1, new Rgb24(160, 160, 160));
        Line(image, x0, y0, x1, y0, new Rgb24(0, 0, 0));
        Line(image, x0, y0, x0, y1, new Rgb24(0, 0, 0));

        var blue = new Rgb24(30, 80, 220);
        for (int i = 1; i < roc.Count; i++)
        {
            // ROC steps: horizontal then vertical, so the plotted area is the AUROC.
            var (ax, ay) = Map(roc[i - 1].FalsePositiveRate, roc[i - 1].TruePositiveRate);
            var (bx, by) = Map(roc[i].FalsePositiveRate, roc[i].TruePositiveRate);
            for (int t = -1; t <= 1; t++)
            {
                Line(image, ax, ay + t, bx, ay + t, blue);
                Line(image, bx + t, ay, bx + t, by, blue);
            }
        }

        if (operatingPoint is { } op)
        {
            var (px, py) = Map(op.FalsePositiveRate, op.TruePositiveRate);
            for (int dy = -4; dy <= 4; dy++)
            {
                for (int dx = -4; dx <= 4; dx++)
                {
                    if (dx * dx + dy * dy <= 16)
                    {
                        Set(image, px + dx, py + dy, new Rgb24(220, 30, 30));
                    }
                }
            }
        }

        image.SaveAsPng(path);
    }

    private static void Line(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 colour)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
        int dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
        int error = dx + dy;
        while (true)
        {
            Set(image, x0, y0, colour);
            if (x0 == x1 && y0 == y1)
            {
                break;
            }

            int e2 = 2 * error;
            if (e2 >= dy)
            {
                error += dy;
                x0 += sx;
            }

            if (e2 <= dx)
            {
                error += dx;
                y0 += sy;
            }
        }
    }

    private static void Set(Image<Rgb24> image, int x, int y, Rgb24 colour)
    {
        if ((uint)x < (uint)image.Width && (uint)y < (uint)image.Height)
        {
            image[x, y] = colour;
        }
    }
}
