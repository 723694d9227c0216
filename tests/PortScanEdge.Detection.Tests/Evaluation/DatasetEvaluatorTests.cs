using PortScanEdge.Detection.Evaluation;
using PortScanEdge.Detection.Tests.Support;
using PortScanEdge.Simulation.Radiographs;

namespace PortScanEdge.Detection.Tests.Evaluation;

/// <summary>A freshly rendered labelled set through the real pipeline and the shipped model.</summary>
public sealed class DatasetEvaluatorTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task EvaluateAsync_SynthSet_FiguresPerConcealmentKindFromConcealmentsCsv()
    {
        RadiographDataset.Write(new RadiographDatasetOptions { OutputDirectory = _directory.Path, Count = 10, Seed = 9_190_003, AnomalyRate = 0.5, ContactSheetImages = 0 });
        var kinds = KindsFile.Read(Path.Combine(_directory.Path, KindsFile.FileName));
        using var detector = RadiographDetector.Create(Fixtures.ShippedModelPath, Fixtures.Options(o => o.IntraOpThreads = 2));

        var evaluation = await DatasetEvaluator.EvaluateAsync(detector, _directory.Path);

        Assert.Empty(evaluation.Rejected);
        Assert.True(evaluation.Result.AnomalousCount > 0 && evaluation.Result.NormalCount > 0);
        var expected = kinds.Values.SelectMany(k => k).GroupBy(k => k).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count()));
        Assert.Equal(expected, evaluation.PerKind.Select(k => (k.Kind, k.Count)));
        Assert.All(evaluation.PerKind, k => Assert.InRange(k.Auroc, 0, 1));
    }

    [Fact]
    public async Task EvaluateAsync_MalformedConcealmentsCsv_RefusedNamingTheFileBeforeAnyAnalysis()
    {
        RadiographDataset.Write(new RadiographDatasetOptions { OutputDirectory = _directory.Path, Count = 2, Seed = 9_190_004, AnomalyRate = 0.5, ContactSheetImages = 0 });
        File.WriteAllText(Path.Combine(_directory.Path, KindsFile.FileName), "file,what\n000001.png,x\n");
        using var detector = RadiographDetector.Create(Fixtures.ShippedModelPath, Fixtures.Options(o => o.IntraOpThreads = 2));
        var progress = new ProgressRecorder();

        var error = await Assert.ThrowsAsync<FormatException>(() => DatasetEvaluator.EvaluateAsync(detector, _directory.Path, progress: progress));

        Assert.StartsWith($"{Path.Combine(_directory.Path, KindsFile.FileName)}: line 1", error.Message, StringComparison.Ordinal);
        Assert.Empty(progress.Done);
    }

    [Fact]
    public async Task EvaluateAsync_MalformedLabelsCsv_RefusedNamingTheFileAndLine()
    {
        var labelsPath = Path.Combine(_directory.Path, "labels.csv");
        File.WriteAllText(labelsPath, "file,label,boxes\n000000.png,0,\n000001.png,yes,\n");
        using var detector = RadiographDetector.Create(Fixtures.ShippedModelPath, Fixtures.Options(o => o.IntraOpThreads = 2));

        var error = await Assert.ThrowsAsync<FormatException>(() => DatasetEvaluator.EvaluateAsync(detector, _directory.Path));

        Assert.Equal($"{labelsPath}: line 3: label must be 0 or 1, got 'yes'", error.Message);
    }

    /// <summary>Records progress reports as they are made (Progress&lt;T&gt; would post them later).</summary>
    private sealed class ProgressRecorder : IProgress<(int Done, int Total)>
    {
        public List<int> Done { get; } = [];

        public void Report((int Done, int Total) value) => Done.Add(value.Done);
    }
}
