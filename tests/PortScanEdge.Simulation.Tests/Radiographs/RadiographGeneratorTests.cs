using PortScanEdge.Simulation.Radiographs;

namespace PortScanEdge.Simulation.Tests.Radiographs;

public class RadiographGeneratorTests
{
    private const int Width = 640;
    private const int Height = 320;

    /// <summary>Detector blur is a 5-tap kernel: a change spreads at most two pixels.</summary>
    private const int BlurReach = 2;

    [Fact]
    public void Render_SameSeed_IdenticalPixelsAndBoxes()
    {
        var a = RadiographGenerator.Render(42, Width, Height, withConcealment: true, dualEnergy: true);
        var b = RadiographGenerator.Render(42, Width, Height, withConcealment: true, dualEnergy: true);

        Assert.Equal(a.HighEnergy, b.HighEnergy);
        Assert.Equal(a.LowEnergy, b.LowEnergy);
        Assert.Equal(a.Concealments, b.Concealments);
        Assert.Equal(a.VehicleType, b.VehicleType);
    }

    [Fact]
    public void Render_DifferentSeeds_DifferentImages()
    {
        var a = RadiographGenerator.Render(1, Width, Height);
        var b = RadiographGenerator.Render(2, Width, Height);

        int differing = a.HighEnergy.Zip(b.HighEnergy).Count(p => Math.Abs(p.First - p.Second) > 500);
        Assert.True(differing > Width * Height / 50, $"only {differing} pixels differ clearly between two seeds");
    }

    [Fact]
    public void Render_Normal_HasNoConcealmentAndAirIsBright()
    {
        var radiograph = RadiographGenerator.Render(7, Width, Height);

        Assert.False(radiograph.IsAnomalous);
        Assert.Empty(radiograph.Concealments);
        Assert.Null(radiograph.LowEnergy);

        // The top rows see open air above every vehicle (tallest ≈ 4 m of a 4.6 m detector column).
        double topRowMean = radiograph.HighEnergy.Take(Width * 3).Average(v => v);
        Assert.InRange(topRowMean, 0.7 * 65535, 65535);

        // Below the road the portal's concrete plinth is dense: dark.
        double bottomRowMean = radiograph.HighEnergy.Skip(Width * (Height - 2)).Average(v => v);
        Assert.True(bottomRowMean < 0.05 * 65535, $"plinth mean {bottomRowMean}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Render_WithConcealment_ChangesPixelsOnlyInsideItsBoxesAndDarkensThem(ConcealmentKind kind)
    {
        int checkedScenes = 0;
        for (long seed = 100; seed < 140 && checkedScenes < 6; seed++)
        {
            var clean = RadiographGenerator.Render(seed, Width, Height);
            var concealed = RadiographGenerator.Render(seed, Width, Height, withConcealment: true, kinds: [kind]);
            if (!concealed.IsAnomalous)
            {
                continue;
            }

            checkedScenes++;
            Assert.All(concealed.Concealments, c => Assert.Equal(kind, c.Kind));
            var boxes = concealed.Boxes.ToList();
            int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    int i = y * Width + x;
                    // Below one expected count a change can still flip the rounding of a noisy pixel.
                    if (Math.Abs(clean.HighEnergy[i] - concealed.HighEnergy[i]) <= 2)
                    {
                        continue;
                    }

                    Assert.True(
                        boxes.Any(b => x >= b.X - BlurReach && x < b.X + b.Width + BlurReach && y >= b.Y - BlurReach && y < b.Y + b.Height + BlurReach),
                        $"seed {seed}: pixel ({x},{y}) changed outside every box {string.Join(';', boxes)}");
                    minX = Math.Min(minX, x);
                    minY = Math.Min(minY, y);
                    maxX = Math.Max(maxX, x);
                    maxY = Math.Max(maxY, y);
                }
            }

            foreach (var box in boxes)
            {
                // The concealment attenuates: mean transmitted intensity inside the box drops.
                double cleanMean = MeanInside(clean.HighEnergy, box);
                double concealedMean = MeanInside(concealed.HighEnergy, box);
                Assert.True(concealedMean < cleanMean * 0.97, $"seed {seed} {kind} box {box}: mean {concealedMean:F0} vs clean {cleanMean:F0}");
            }

            // And the boxes are tight: together they do not reach beyond the changed region (plus blur).
            var union = boxes.Aggregate(default(PixelBox), (u, b) => u.Union(b));
            Assert.True(union.X >= minX - 1 && union.Y >= minY - 1, $"seed {seed}: box {union} starts before the change at ({minX},{minY})");
            Assert.True(union.X + union.Width <= maxX + 2 && union.Y + union.Height <= maxY + 2, $"seed {seed}: box {union} ends after the change at ({maxX},{maxY})");
        }

        Assert.True(checkedScenes >= 3, $"{kind} was drawn in only {checkedScenes} of 40 scenes");
    }

    [Fact]
    public void Render_DualEnergy_LowEnergyAttenuatesMoreWhereThereIsMaterial()
    {
        var radiograph = RadiographGenerator.Render(11, Width, Height, dualEnergy: true);
        Assert.NotNull(radiograph.LowEnergy);

        // Compare attenuation −ln(I/I0) where the high-energy image shows material but is not saturated.
        double high = 0, low = 0;
        int count = 0;
        for (int i = 0; i < Width * Height; i++)
        {
            double h = -Math.Log(Math.Max(1.0, radiograph.HighEnergy[i]) / 56000.0);
            if (h is > 0.5 and < 3)
            {
                high += h;
                low += -Math.Log(Math.Max(1.0, radiograph.LowEnergy![i]) / 42000.0);
                count++;
            }
        }

        Assert.True(count > 1000, $"only {count} pixels of material");
        Assert.True(low > high * 1.15, $"low-energy attenuation {low / count:F2} should exceed high {high / count:F2}");
    }

    [Theory]
    [InlineData(10, 63)]
    [InlineData(70000, 100)]
    public void Render_SizeOutOfRange_Throws(int width, int height)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RadiographGenerator.Render(1, width, height));
    }

    public static TheoryData<ConcealmentKind> Kinds()
    {
        var data = new TheoryData<ConcealmentKind>();
        foreach (var kind in Enum.GetValues<ConcealmentKind>())
        {
            data.Add(kind);
        }

        return data;
    }

    private static double MeanInside(ushort[] pixels, PixelBox box)
    {
        double sum = 0;
        for (int y = box.Y; y < box.Y + box.Height; y++)
        {
            for (int x = box.X; x < box.X + box.Width; x++)
            {
                sum += pixels[y * Width + x];
            }
        }

        return sum / (box.Width * box.Height);
    }
}
