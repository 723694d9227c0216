using PortScanEdge.Core.Imaging;
using PortScanEdge.Simulation.Radiographs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Simulation.Tests.Radiographs;

public sealed class RadiographDatasetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pse-synth-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData(10, 0.5, 5)]
    [InlineData(7, 0.0, 0)]
    [InlineData(9, 1.0, 9)]
    [InlineData(400, 0.5, 200)]
    [InlineData(100, 0.1, 10)]
    public void IsAnomalousIndex_RateOverCount_GivesExactCount(int count, double rate, int expected)
    {
        Assert.Equal(expected, Enumerable.Range(0, count).Count(i => RadiographDataset.IsAnomalousIndex(i, rate)));
    }

    [Fact]
    public void Write_SmallSet_WritesLabelsImagesAndContactSheet()
    {
        var options = new RadiographDatasetOptions { OutputDirectory = _root, Count = 6, Seed = 5, AnomalyRate = 0.5, Width = 320, Height = 160 };

        var summary = RadiographDataset.Write(options);

        Assert.Equal(6, summary.Count);
        Assert.Equal(3, summary.Anomalous);
        var lines = File.ReadAllLines(summary.LabelsPath);
        Assert.Equal("file,label,boxes", lines[0]);
        Assert.Equal(7, lines.Length);
        for (int i = 0; i < 6; i++)
        {
            var fields = lines[i + 1].Split(',');
            Assert.Equal(3, fields.Length);
            Assert.Equal(RadiographDataset.FileName(i), fields[0]);
            var expected = RadiographGenerator.Render(RadiographDataset.ImageSeed(5, i), 320, 160, RadiographDataset.IsAnomalousIndex(i, 0.5));
            Assert.Equal(expected.IsAnomalous ? "1" : "0", fields[1]);
            Assert.Equal(string.Join(';', expected.Boxes), fields[2]);
            if (expected.IsAnomalous)
            {
                Assert.Matches(@"^\d+:\d+:\d+:\d+(;\d+:\d+:\d+:\d+)*$", fields[2]);
            }

            // The PNG holds the 16-bit pixels exactly.
            using var image = Image.Load<L16>(Path.Combine(_root, fields[0]));
            Assert.Equal(320, image.Width);
            Assert.Equal(160, image.Height);
            var pixels = new L16[320 * 160];
            image.CopyPixelDataTo(pixels);
            Assert.Equal(expected.HighEnergy, pixels.Select(p => p.PackedValue).ToArray());
        }

        Assert.True(File.Exists(summary.ContactSheetPath));
        var concealmentLines = File.ReadAllLines(Path.Combine(_root, "concealments.csv"));
        Assert.Equal("file,vehicle,kind,material,box", concealmentLines[0]);
        Assert.Equal(CountBoxes(lines), concealmentLines.Length - 1);
    }

    [Fact]
    public void Write_SameSeedTwice_SameFiles()
    {
        var first = Path.Combine(_root, "a");
        var second = Path.Combine(_root, "b");
        RadiographDataset.Write(new RadiographDatasetOptions { OutputDirectory = first, Count = 4, Seed = 9, AnomalyRate = 0.5, Width = 256, Height = 128, DualEnergy = true, Parallelism = 2 });
        RadiographDataset.Write(new RadiographDatasetOptions { OutputDirectory = second, Count = 4, Seed = 9, AnomalyRate = 0.5, Width = 256, Height = 128, DualEnergy = true, Parallelism = 1 });

        var names = Directory.GetFiles(first).Select(Path.GetFileName).Order().ToList();
        Assert.Contains("000000.le.png", names);
        Assert.Equal(names, Directory.GetFiles(second).Select(Path.GetFileName).Order().ToList());
        foreach (var name in names)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, name!)), File.ReadAllBytes(Path.Combine(second, name!)));
        }
    }

    [Fact]
    public void EncodePng_RenderedScan_DecodesToTheSamePixels()
    {
        var radiograph = RadiographGenerator.Render(77, 256, 128, withConcealment: true);

        var bytes = PngWriter.EncodeGrey16(radiograph.HighEnergy, radiograph.Width, radiograph.Height);

        using var image = Image.Load<L16>(bytes);
        var pixels = new L16[256 * 128];
        image.CopyPixelDataTo(pixels);
        Assert.Equal(radiograph.HighEnergy, pixels.Select(p => p.PackedValue).ToArray());
    }

    private static int CountBoxes(string[] lines) =>
        lines.Skip(1).Sum(l => l.Split(',')[2].Length == 0 ? 0 : l.Split(',')[2].Split(';').Length);
}
