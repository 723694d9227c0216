using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Evaluation;

/// <summary>Writes the report directory of an evaluation: ROC PNG, example heat maps, report.md and report.html.</summary>
public static class ReportWriter
{
    /// <summary>
    /// Writes the report into <paramref name="directory"/>. Examples: the two highest-scoring anomalous images, the two
    /// lowest-scoring anomalous images (the hardest, often missed) and the two highest-scoring normal images (the
    /// likeliest false alarms), each re-analysed for its heat map.
    /// </summary>
    public static async Task WriteAsync(string directory, IRadiographDetector detector, string datasetDirectory, DatasetEvaluation evaluation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(evaluation);
        Directory.CreateDirectory(directory);
        var result = evaluation.Result;
        RocPlot.Save(Path.Combine(directory, "roc.png"), result.Roc, new OperatingPoint(result.DetectionThreshold, result.FalseAlarmRate, result.DetectionRate));

        var anomalous = evaluation.Images.Where(i => i.IsAnomalous).OrderByDescending(i => i.Score).ToList();
        var normal = evaluation.Images.Where(i => !i.IsAnomalous).OrderByDescending(i => i.Score).ToList();
        var chosen = new List<(ScoredImage Image, string Why)>();
        chosen.AddRange(anomalous.Take(2).Select(i => (i, "highest-scoring anomalous")));
        chosen.AddRange(anomalous.AsEnumerable().Reverse().Take(2).Where(i => !chosen.Any(c => c.Image == i)).Select(i => (i, "lowest-scoring anomalous")));
        chosen.AddRange(normal.Take(2).Select(i => (i, "highest-scoring normal")));

        var examples = new List<(string, string)>();
        var request = new AnalysisRequest { IncludeHeatMap = true };
        foreach (var (image, why) in chosen)
        {
            var path = Path.Combine(datasetDirectory, image.File);
            var analysed = await detector.AnalyzeAsync(RadiographInput.FromFile(path), request, cancellationToken).ConfigureAwait(false);
            if (!analysed.Ok || analysed.HeatMap is not { } map)
            {
                continue;
            }

            using var picture = await Image.LoadAsync<L16>(path, cancellationToken).ConfigureAwait(false);
            var pixels = new L16[picture.Width * picture.Height];
            picture.CopyPixelDataTo(pixels);
            var raw = System.Runtime.InteropServices.MemoryMarshal.Cast<L16, ushort>(pixels.AsSpan());
            string name = "example-" + Path.GetFileNameWithoutExtension(image.File) + ".png";
            HeatMapOverlay.Save(Path.Combine(directory, name), raw, picture.Width, picture.Height, map.Values, map.Width, map.Height, detector.Contract.PixelThreshold, image.Boxes, image.PeakX, image.PeakY);
            string verdict = image.Score >= result.DetectionThreshold ? "alert" : "clear";
            examples.Add((name, string.Create(CultureInfo.InvariantCulture, $"{image.File}: {why}, label {(image.IsAnomalous ? 1 : 0)}, score {image.Score:0.#########} ({verdict})")));
        }

        var notes = new List<(string, string)>
        {
            ("heat-map peak tolerance", string.Create(CultureInfo.InvariantCulture, $"{evaluation.PeakTolerancePixels} px around each labelled box (half the downsample factor)")),
            ("images refused by the detector", evaluation.Rejected.Count.ToString(CultureInfo.InvariantCulture)),
        };
        notes.AddRange(evaluation.PerKind.Select(k => (
            $"kind {k.Kind} (n {k.Count}, against all normals)",
            string.Create(CultureInfo.InvariantCulture, $"AUROC {k.Auroc:0.0000}, detection {k.DetectionRate:P1} at the detection threshold"))));
        string model = $"{detector.Model.Name} {detector.Model.Version} (sha256 {detector.Model.Sha256})";
        EvaluationReport.Write(directory, result, model, Path.GetFullPath(datasetDirectory), "roc.png", examples, notes);
    }
}
