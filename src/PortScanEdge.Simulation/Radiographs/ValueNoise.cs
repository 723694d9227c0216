namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// Smooth lattice noise in [−1, 1] with a given cell size in pixels (bilinear interpolation of hashed
/// lattice values, smoothstep-weighted). Used for material texture and uneven fill levels.
/// </summary>
internal sealed class ValueNoise
{
    private readonly ulong _seed;
    private readonly double _cell;

    public ValueNoise(ulong seed, double cellPixels)
    {
        _seed = seed;
        _cell = Math.Max(1, cellPixels);
    }

    public float Sample(double x, double y)
    {
        double gx = x / _cell;
        double gy = y / _cell;
        int ix = (int)Math.Floor(gx);
        int iy = (int)Math.Floor(gy);
        double fx = gx - ix;
        double fy = gy - iy;
        fx = fx * fx * (3 - 2 * fx);
        fy = fy * fy * (3 - 2 * fy);
        double a = Lattice(ix, iy), b = Lattice(ix + 1, iy), c = Lattice(ix, iy + 1), d = Lattice(ix + 1, iy + 1);
        return (float)((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy);
    }

    private double Lattice(int x, int y)
    {
        ulong h = RadiographRandom.Mix(_seed, ((ulong)(uint)x << 32) | (uint)y);
        return (h >> 11) * (2.0 / (1UL << 53)) - 1;
    }
}
