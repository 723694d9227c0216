namespace PortScanEdge.Detection.Benchmarking;

/// <summary>
/// Quick procedural 16-bit radiographs for the benchmark and tests (the realistic generator is <c>portscan-edge
/// synth</c> from the model issue): open air bright, a truck body of smoothly varying cargo attenuation, chassis
/// and wheel bands dark, quantum-like noise throughout so the PNG compresses like a real scan; optionally one
/// dense compact object (the "anomaly") at a known place. Deterministic for a seed.
/// </summary>
public static class SyntheticScans
{
    /// <summary>Where the dense object of an anomalous scan lies, radiograph pixels.</summary>
    public static (int X, int Y, int Size) AnomalyBox(int width, int height) => (width * 3 / 5, height * 2 / 5, Math.Max(16, Math.Min(width, height) / 80));

    /// <summary>Generates the pixels of one scan.</summary>
    public static ushort[] Generate(int width, int height, int seed, bool withAnomaly)
    {
        var random = new Random(seed);
        var pixels = new ushort[width * height];
        var bodyLeft = width / 20;
        var bodyRight = width - (width / 20);
        var bodyTop = height * 15 / 100;
        var bodyBottom = height * 85 / 100;
        var chassisTop = height * 78 / 100;
        var chassisLeft = width / 10;
        var chassisRight = width - (width / 10);
        var phase = random.NextDouble() * 6.28;
        var (ax, ay, size) = AnomalyBox(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double intensity = 60000;
                if (x >= bodyLeft && x < bodyRight && y >= bodyTop && y < bodyBottom)
                {
                    // Cargo: transmission between ~5% and ~20% of air, varying slowly along and across the load.
                    var cargo = 0.12 + (0.05 * Math.Sin((x * 0.004) + phase)) + (0.03 * Math.Cos(y * 0.01));
                    intensity *= cargo;
                    if (y >= chassisTop && x >= chassisLeft && x < chassisRight)
                    {
                        intensity *= 0.35; // chassis rails
                    }

                    if (withAnomaly && x >= ax && x < ax + size && y >= ay && y < ay + size)
                    {
                        intensity *= 0.03; // dense package: far darker than the cargo around it
                    }
                }

                // Noise roughly proportional to the square root of the signal (photon counting).
                intensity += (random.NextDouble() - 0.5) * 6 * Math.Sqrt(intensity);
                pixels[(y * width) + x] = (ushort)Math.Clamp(intensity, 1, 65535);
            }
        }

        return pixels;
    }
}
