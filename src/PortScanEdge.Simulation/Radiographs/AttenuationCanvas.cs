namespace PortScanEdge.Simulation.Radiographs;

/// <summary>
/// Accumulates the line integral Σ μ·t along each detector ray, for the high and the low beam energy.
/// Drawing primitives add attenuation (Beer–Lambert is additive in the exponent); nothing is ever
/// overwritten, so overlapping objects combine as they would physically.
/// </summary>
internal sealed class AttenuationCanvas
{
    /// <param name="width">Width, pixels.</param>
    /// <param name="height">Height, pixels.</param>
    /// <param name="lowEnergy">Whether to keep the low-energy integral too (dual energy); without it <see cref="Low"/>
    /// is empty and costs nothing — a single-energy render allocates one plane less.</param>
    public AttenuationCanvas(int width, int height, bool lowEnergy)
    {
        Width = width;
        Height = height;
        High = new float[width * height];
        Low = lowEnergy ? new float[width * height] : [];
    }

    public int Width { get; }

    /// <summary>Removes everything drawn inside the box (used to discard a rejected concealment).</summary>
    public void Clear(PixelBox box)
    {
        for (int y = box.Y; y < box.Y + box.Height; y++)
        {
            High.AsSpan(y * Width + box.X, box.Width).Clear();
            if (Low.Length > 0)
            {
                Low.AsSpan(y * Width + box.X, box.Width).Clear();
            }
        }
    }

    /// <summary>Adds everything inside the box to <paramref name="target"/>.</summary>
    public void AddTo(AttenuationCanvas target, PixelBox box)
    {
        for (int y = box.Y; y < box.Y + box.Height; y++)
        {
            for (int x = box.X; x < box.X + box.Width; x++)
            {
                int i = y * Width + x;
                target.High[i] += High[i];
                if (Low.Length > 0)
                {
                    target.Low[i] += Low[i];
                }
            }
        }
    }

    public int Height { get; }

    /// <summary>μ·t at high energy, row-major, dimensionless.</summary>
    public float[] High { get; }

    /// <summary>μ·t at low energy, row-major, dimensionless; empty unless made for dual energy.</summary>
    public float[] Low { get; }

    public void Add(int x, int y, float thicknessMetres, Material material)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height || thicknessMetres <= 0)
        {
            return;
        }

        int i = y * Width + x;
        High[i] += thicknessMetres * material.HighPerMetre;
        if (Low.Length > 0)
        {
            Low[i] += thicknessMetres * material.LowPerMetre;
        }
    }

    /// <summary>A slab of constant beam-path thickness; returns the drawn (clipped) box.</summary>
    public PixelBox FillRectangle(double x, double y, double width, double height, float thicknessMetres, Material material, ValueNoise? texture = null, float textureAmount = 0)
    {
        int x0 = Math.Max(0, (int)Math.Round(x));
        int y0 = Math.Max(0, (int)Math.Round(y));
        int x1 = Math.Min(Width, (int)Math.Round(x + width));
        int y1 = Math.Min(Height, (int)Math.Round(y + height));
        for (int py = y0; py < y1; py++)
        {
            for (int px = x0; px < x1; px++)
            {
                float t = thicknessMetres;
                if (texture is not null)
                {
                    t *= 1 + textureAmount * texture.Sample(px, py);
                }

                Add(px, py, t, material);
            }
        }

        return PixelBox.FromCorners(x0, y0, x1, y1);
    }

    /// <summary>A hollow box seen from the side: walls of the given width around an open interior.</summary>
    public void FrameRectangle(double x, double y, double width, double height, double wall, float thicknessMetres, Material material)
    {
        FillRectangle(x, y, width, wall, thicknessMetres, material);
        FillRectangle(x, y + height - wall, width, wall, thicknessMetres, material);
        FillRectangle(x, y + wall, wall, height - 2 * wall, thicknessMetres, material);
        FillRectangle(x + width - wall, y + wall, wall, height - 2 * wall, thicknessMetres, material);
    }

    /// <summary>A disc or ring (innerRadius &gt; 0) of constant thickness, with anti-aliased edges.</summary>
    public PixelBox FillRing(double cx, double cy, double outerRadius, double innerRadius, float thicknessMetres, Material material)
    {
        int x0 = Math.Max(0, (int)Math.Floor(cx - outerRadius - 1));
        int y0 = Math.Max(0, (int)Math.Floor(cy - outerRadius - 1));
        int x1 = Math.Min(Width, (int)Math.Ceiling(cx + outerRadius + 1));
        int y1 = Math.Min(Height, (int)Math.Ceiling(cy + outerRadius + 1));
        int minX = int.MaxValue, minY = int.MaxValue, maxX = int.MinValue, maxY = int.MinValue;
        for (int py = y0; py < y1; py++)
        {
            for (int px = x0; px < x1; px++)
            {
                double r = Math.Sqrt((px + 0.5 - cx) * (px + 0.5 - cx) + (py + 0.5 - cy) * (py + 0.5 - cy));
                double coverage = Math.Clamp(outerRadius - r + 0.5, 0, 1);
                if (innerRadius > 0)
                {
                    coverage *= Math.Clamp(r - innerRadius + 0.5, 0, 1);
                }

                if (coverage > 0)
                {
                    Add(px, py, (float)(thicknessMetres * coverage), material);
                    minX = Math.Min(minX, px);
                    minY = Math.Min(minY, py);
                    maxX = Math.Max(maxX, px);
                    maxY = Math.Max(maxY, py);
                }
            }
        }

        return minX > maxX ? default : PixelBox.FromCorners(minX, minY, maxX + 1, maxY + 1);
    }

    /// <summary>
    /// A horizontal cylinder (tank, pipe) whose axis runs along the vehicle: the beam crosses it as a chord,
    /// so the path length at height y is 2·√(r² − (y − cy)²) scaled from pixels to metres.
    /// Liquid fills it up to <paramref name="fillFraction"/> of its diameter from the bottom.
    /// </summary>
    public PixelBox FillCylinder(double x, double cy, double length, double radius, double metresPerPixel, float shellMetres, Material shell, Material? content, double fillFraction, bool endCaps = true)
    {
        int minY = int.MaxValue, maxY = int.MinValue;
        int x0 = Math.Max(0, (int)Math.Round(x));
        int x1 = Math.Min(Width, (int)Math.Round(x + length));
        int y0 = Math.Max(0, (int)Math.Floor(cy - radius));
        int y1 = Math.Min(Height, (int)Math.Ceiling(cy + radius));
        double liquidTop = cy + radius - 2 * radius * fillFraction;
        for (int py = y0; py < y1; py++)
        {
            double dy = py + 0.5 - cy;
            double chordSquared = radius * radius - dy * dy;
            if (chordSquared <= 0)
            {
                continue;
            }

            double chordMetres = 2 * Math.Sqrt(chordSquared) * metresPerPixel;
            double innerRadius = radius - shellMetres / metresPerPixel;
            double innerSquared = innerRadius * innerRadius - dy * dy;
            double innerMetres = innerRadius > 0 && innerSquared > 0 ? 2 * Math.Sqrt(innerSquared) * metresPerPixel : 0;
            float shellPath = (float)(chordMetres - innerMetres);
            float contentPath = content is not null && py + 0.5 >= liquidTop ? (float)innerMetres : 0f;
            minY = Math.Min(minY, py);
            maxY = Math.Max(maxY, py);
            for (int px = x0; px < x1; px++)
            {
                Add(px, py, shellPath, shell);
                if (contentPath > 0)
                {
                    Add(px, py, contentPath, content!.Value);
                }
            }
        }

        if (endCaps)
        {
            // End caps: a dished head is seen edge-on as a dense vertical band.
            FillRectangle(x, cy - radius * 0.9, Math.Max(2, radius * 0.06), radius * 1.8, shellMetres * 6, shell);
            FillRectangle(x + length - Math.Max(2, radius * 0.06), cy - radius * 0.9, Math.Max(2, radius * 0.06), radius * 1.8, shellMetres * 6, shell);
        }

        return x1 <= x0 || minY > maxY ? default : PixelBox.FromCorners(x0, minY, x1, maxY + 1);
    }

    /// <summary>
    /// An irregular blob: an ellipse whose radius is modulated by low-frequency noise around its rim;
    /// thickness falls off smoothly toward the edge (a soft mass, not a machined part).
    /// </summary>
    public PixelBox FillBlob(double cx, double cy, double radiusX, double radiusY, float thicknessMetres, Material material, RadiographRandom random, double roughness)
    {
        int harmonics = 5;
        Span<double> amplitude = stackalloc double[harmonics];
        Span<double> phase = stackalloc double[harmonics];
        for (int k = 0; k < harmonics; k++)
        {
            amplitude[k] = roughness * random.Range(0, 1) / (k + 1);
            phase[k] = random.Range(0, 2 * Math.PI);
        }

        double reach = 1 + roughness * 2.3;
        int x0 = Math.Max(0, (int)Math.Floor(cx - radiusX * reach));
        int y0 = Math.Max(0, (int)Math.Floor(cy - radiusY * reach));
        int x1 = Math.Min(Width, (int)Math.Ceiling(cx + radiusX * reach));
        int y1 = Math.Min(Height, (int)Math.Ceiling(cy + radiusY * reach));
        int minX = int.MaxValue, minY = int.MaxValue, maxX = int.MinValue, maxY = int.MinValue;
        for (int py = y0; py < y1; py++)
        {
            for (int px = x0; px < x1; px++)
            {
                double dx = (px + 0.5 - cx) / radiusX;
                double dy = (py + 0.5 - cy) / radiusY;
                double r = Math.Sqrt(dx * dx + dy * dy);
                double angle = Math.Atan2(dy, dx);
                double rim = 1;
                for (int k = 0; k < harmonics; k++)
                {
                    rim += amplitude[k] * Math.Sin((k + 2) * angle + phase[k]);
                }

                if (r >= rim)
                {
                    continue;
                }

                double profile = Math.Sqrt(1 - (r / rim) * (r / rim));
                Add(px, py, (float)(thicknessMetres * (0.35 + 0.65 * profile)), material);
                minX = Math.Min(minX, px);
                minY = Math.Min(minY, py);
                maxX = Math.Max(maxX, px);
                maxY = Math.Max(maxY, py);
            }
        }

        return minX > maxX ? default : PixelBox.FromCorners(minX, minY, maxX + 1, maxY + 1);
    }
}
