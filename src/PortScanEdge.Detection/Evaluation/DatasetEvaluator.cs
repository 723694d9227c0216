namespace PortScanEdge.Detection.Evaluation;

/// <summary>A data set scored by a detector.</summary>
/// <param name="Result">The metrics.</param>
/// <param name="Images">Every analysed image with its score and heat-map peak, in <c>labels.csv</c> order.</param>
/// <param name="Rejected">Images the detector refused, with the reason; they are left out of the metrics.</param>
/// <param name="PeakTolerancePixels">Tolerance used for the localisation hit (half the downsample factor).</param>
/// <param name="PerKind">Figures per concealment kind when the data set has a <c>concealments.csv</c>; otherwise empty.</param>
public sealed record DatasetEvaluation(EvaluationResult Result, IReadOnlyList<ScoredImage> Images, IReadOnlyList<(string File, string Reason)> Rejected, double PeakTolerancePixels, IReadOnlyList<KindFigures> PerKind);

/// <summary>Runs a detector over a labelled directory (<c>labels.csv</c>) and computes the evaluation.</summary>
public static class DatasetEvaluator
{
    /// <summary>
    /// Analyses every image listed in <c>DIR/labels.csv</c> with <paramref name="detector"/> and evaluates the scores.
    /// "Detected" (for the localisation figure) uses <paramref name="detectionThreshold"/>, or the detector's threshold
    /// when null. The heat-map peak of an image is the centre of its highest map pixel, in radiograph pixels.
    /// </summary>
    /// When the directory also holds <c>concealments.csv</c> (<see cref="KindsFile"/>), figures per concealment kind
    /// are computed too.
    /// <exception cref="FormatException">labels.csv or concealments.csv is malformed.</exception>
    /// <exception cref="ArgumentException">Fewer than one normal and one anomalous image could be analysed.</exception>
    public static async Task<DatasetEvaluation> EvaluateAsync(IRadiographDetector detector, string datasetDirectory, double? detectionThreshold = null, double targetFalsePositiveRate = 0.01, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var labels = LabelsFile.Read(Path.Combine(datasetDirectory, "labels.csv"));
        var kindsPath = Path.Combine(datasetDirectory, KindsFile.FileName);
        var kinds = File.Exists(kindsPath) ? KindsFile.Read(kindsPath) : null;
        var images = new List<ScoredImage>(labels.Count);
        var rejected = new List<(string, string)>();
        int scale = 1;
        var request = new AnalysisRequest { IncludeHeatMap = true };
        for (int i = 0; i < labels.Count; i++)
        {
            var row = labels[i];
            var result = await detector.AnalyzeAsync(RadiographInput.FromFile(Path.Combine(datasetDirectory, row.File)), request, cancellationToken).ConfigureAwait(false);
            if (!result.Ok)
            {
                rejected.Add((row.File, result.Rejection!.Message));
            }
            else
            {
                var (peakX, peakY) = Peak(result.HeatMap);
                scale = result.HeatMap?.Scale ?? scale;
                images.Add(new ScoredImage(row.File, row.IsAnomalous, row.Boxes, result.Score, peakX, peakY));
            }

            progress?.Report((i + 1, labels.Count));
        }

        double tolerance = scale / 2.0;
        var evaluation = Evaluator.Evaluate(images, detectionThreshold ?? detector.Threshold, targetFalsePositiveRate, tolerance);
        var perKind = kinds is null ? [] : Evaluator.PerKind(images, kinds, evaluation.DetectionThreshold);
        return new DatasetEvaluation(evaluation, images, rejected, tolerance, perKind);
    }

    /// <summary>Centre of the highest map pixel in radiograph pixels (the first one on ties), or NaN without a map.</summary>
    public static (double X, double Y) Peak(HeatMap? map)
    {
        if (map is null || map.Values.Length == 0)
        {
            return (double.NaN, double.NaN);
        }

        int best = 0;
        var values = map.Values;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        int x = best % map.Width, y = best / map.Width;
        return ((x + 0.5) * map.Scale, (y + 0.5) * map.Scale);
    }
}
