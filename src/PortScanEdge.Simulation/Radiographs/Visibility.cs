namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// Decides whether a painted concealment is visible in the noise-free image and finds its visible box.
/// A pixel counts as changed when the concealment lowers its expected counts by at least one count; the
/// concealment is accepted when, over the changed pixels, the mean drop is ≥ 3 % of the clean signal and
/// ≥ 3 σ of the quantum noise (a contrast a radiographer could see on the full-resolution image).
/// </summary>
internal static class Visibility
{
    private const double MinimumRelativeDrop = 0.03;
    private const double MinimumContrastToNoise = 3.0;

    public static bool TryMeasure(AttenuationCanvas scene, AttenuationCanvas overlay, PixelBox painted, out PixelBox visible)
    {
        int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
        double relativeSum = 0, contrastSum = 0;
        int changed = 0;
        for (int y = painted.Y; y < painted.Y + painted.Height; y++)
        {
            for (int x = painted.X; x < painted.X + painted.Width; x++)
            {
                int i = y * scene.Width + x;
                float added = overlay.High[i];
                if (added <= 0)
                {
                    continue;
                }

                double clean = DetectorModel.OpenBeamHigh * Math.Exp(-scene.High[i]);
                double drop = clean * (1 - Math.Exp(-added));
                if (drop < 1)
                {
                    continue;
                }

                changed++;
                relativeSum += drop / clean;
                contrastSum += drop / Math.Sqrt(clean * 4 + 36);
                minX = Math.Min(minX, x);
                minY = Math.Min(minY, y);
                maxX = Math.Max(maxX, x);
                maxY = Math.Max(maxY, y);
            }
        }

        visible = changed == 0 ? default : PixelBox.FromCorners(minX, minY, maxX + 1, maxY + 1);
        return changed >= 4 && relativeSum / changed >= MinimumRelativeDrop && contrastSum / changed >= MinimumContrastToNoise;
    }
}
