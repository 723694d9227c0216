namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// Turns attenuation line integrals into detector counts the way a linac portal does:
/// I = I0 · exp(−Σ μ·t) per ray, then detector blur, quantum (Poisson, Gaussian-approximated) and readout
/// noise, per-element gain lines (rows) and pulse-to-pulse dose lines (columns). All draws come from the
/// detector stream, which depends on the seed only.
/// </summary>
internal static class DetectorModel
{
    /// <summary>Open-beam counts at high energy; leaves head-room below 65535 for noise.</summary>
    public const float OpenBeamHigh = 56000f;

    /// <summary>Open-beam counts at low energy.</summary>
    public const float OpenBeamLow = 42000f;

    /// <summary>Exposes the detector to <paramref name="lineIntegral"/> (sum of mu*t per pixel), which it overwrites.</summary>
    public static ushort[] Expose(float[] lineIntegral, int width, int height, float openBeam, RadiographRandom random)
    {
        var rowGain = new float[height];
        for (int y = 0; y < height; y++)
        {
            // Detector elements differ by ≈ 0.4 %; a few are weak or hot; the beam fans out and falls off at the edges.
            double fan = (y - height * 0.45) / (height * 0.6);
            rowGain[y] = (float)((1 + 0.004 * random.NextGaussian()) * (1 - 0.08 * fan * fan));
            if (random.Chance(0.002))
            {
                rowGain[y] *= (float)random.Range(0.85, 1.12);
            }
        }

        var columnDose = new float[width];
        double drift = 0;
        for (int x = 0; x < width; x++)
        {
            drift = 0.995 * drift + 0.0007 * random.NextGaussian();
            columnDose[x] = (float)(1 + drift + 0.003 * random.NextGaussian());
            if (random.Chance(0.0015))
            {
                columnDose[x] *= (float)random.Range(0.6, 0.95);
            }
        }

        // The line integrals become intensities in place: the canvas is not needed afterwards, and a second
        // image-sized float array per render is large-object-heap garbage a gateway running the demo pays for.
        var intensity = lineIntegral;
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                intensity[row + x] = openBeam * rowGain[y] * columnDose[x] * MathF.Exp(-intensity[row + x]);
            }
        }

        Blur(intensity, width, height);

        // Quantum noise: variance ∝ signal (≈ 4 counts per detected photon), plus electronic readout noise.
        const float countsPerPhoton = 4f;
        const float readoutSigma = 6f;
        var pixels = new ushort[width * height];
        for (int i = 0; i < intensity.Length; i++)
        {
            float signal = intensity[i];
            float sigma = MathF.Sqrt(signal * countsPerPhoton + readoutSigma * readoutSigma);
            float value = signal + sigma * (float)random.NextGaussian() + 40f; // 40 = dark offset
            pixels[i] = (ushort)Math.Clamp(value, 0f, 65535f);
        }

        return pixels;
    }

    /// <summary>Separable [1 4 6 4 1]/16 kernel: detector cross-talk and focal-spot blur of about one pixel.</summary>
    private static void Blur(float[] image, int width, int height)
    {
        var line = new float[Math.Max(width, height)];
        for (int y = 0; y < height; y++)
        {
            var row = image.AsSpan(y * width, width);
            row.CopyTo(line);
            for (int x = 0; x < width; x++)
            {
                float a = line[Math.Max(0, x - 2)], b = line[Math.Max(0, x - 1)], c = line[x], d = line[Math.Min(width - 1, x + 1)], e = line[Math.Min(width - 1, x + 2)];
                row[x] = (a + 4 * b + 6 * c + 4 * d + e) / 16f;
            }
        }

        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                line[y] = image[y * width + x];
            }

            for (int y = 0; y < height; y++)
            {
                float a = line[Math.Max(0, y - 2)], b = line[Math.Max(0, y - 1)], c = line[y], d = line[Math.Min(height - 1, y + 1)], e = line[Math.Min(height - 1, y + 2)];
                image[y * width + x] = (a + 4 * b + 6 * c + 4 * d + e) / 16f;
            }
        }
    }
}
