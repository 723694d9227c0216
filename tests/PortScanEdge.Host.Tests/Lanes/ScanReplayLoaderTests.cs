using PortScanEdge.Core.Configuration;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Host.Tests.Lanes;

public sealed class ScanReplayLoaderTests : IDisposable
{
    private readonly DirectoryInfo _set = Directory.CreateTempSubdirectory("pse-replay-");

    [Fact]
    public void Load_NoImagesConfigured_IsNull() => Assert.Null(ScanReplayLoader.Load(new PortScanEdgeOptions()));

    [Fact]
    public void Load_LabelledFiles_AreTheSetWithTheirLabels()
    {
        File.WriteAllText(Path.Combine(_set.FullName, "labels.csv"), "file,label,boxes\na.png,0,\nb.png,1,3:4:5:6\n");
        File.WriteAllBytes(Path.Combine(_set.FullName, "a.png"), [1]);
        File.WriteAllBytes(Path.Combine(_set.FullName, "b.png"), [2]);

        var set = ScanReplayLoader.Load(Options());

        Assert.Equal((2, 1), (set!.Count, set.AnomalousCount));
    }

    [Theory]
    [InlineData("file,label,boxes\na.png,0,\nmissing.png,1,\n", "1 of the 2 files")]
    [InlineData("file,label,boxes\n", "lists no images")]
    [InlineData("name,class\na.png,0\n", "line 1: header must be 'file,label,boxes'")]
    [InlineData("file,label,boxes\na.png,maybe,\n", "line 2: label must be 0 or 1")]
    public void Load_BadSet_IsRefusedNamingWhatIsWrong(string labels, string expected)
    {
        File.WriteAllText(Path.Combine(_set.FullName, "labels.csv"), labels);
        File.WriteAllBytes(Path.Combine(_set.FullName, "a.png"), [1]);

        var error = Assert.Throws<InvalidOperationException>(() => ScanReplayLoader.Load(Options()));

        Assert.StartsWith("simulation.images: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_set.FullName, "labels.csv"), error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileOverTheImageSizeLimit_IsRefusedNamingIt()
    {
        File.WriteAllText(Path.Combine(_set.FullName, "labels.csv"), "file,label,boxes\nbig.png,0,\n");
        using (var big = File.Create(Path.Combine(_set.FullName, "big.png")))
        {
            big.SetLength(2 * 1024 * 1024 + 1);
        }

        var options = Options();
        options.Detection.MaxFileMegabytes = 2;
        var error = Assert.Throws<InvalidOperationException>(() => ScanReplayLoader.Load(options));

        Assert.Equal($"simulation.images: {Path.Combine(_set.FullName, "big.png")} is 2097153 bytes, over detection.max_file_megabytes (2 MB)", error.Message);
    }

    public void Dispose() => _set.Delete(recursive: true);

    private PortScanEdgeOptions Options() => new() { Simulation = { Images = _set.FullName } };
}
