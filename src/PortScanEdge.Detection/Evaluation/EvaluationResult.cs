namespace PortScanEdge.Detection.Evaluation;

/// <summary>All figures of one evaluation run.</summary>
public sealed record EvaluationResult
{
    /// <summary>Image-level area under the ROC curve, 0–1.</summary>
    public required double ImageAuroc { get; init; }

    /// <summary>Average precision, 0–1.</summary>
    public required double AveragePrecision { get; init; }

    /// <summary>Operating point at ≤ 1 % false alarms.</summary>
    public required OperatingPoint AtOnePercent { get; init; }

    /// <summary>Operating point at ≤ 2 % false alarms.</summary>
    public required OperatingPoint AtTwoPercent { get; init; }

    /// <summary>Operating point at the requested target false-alarm rate.</summary>
    public required OperatingPoint AtTarget { get; init; }

    /// <summary>The requested target false-alarm rate, 0–1.</summary>
    public required double TargetFalsePositiveRate { get; init; }

    /// <summary>The threshold used for "detected" in the localisation figure (the model's image threshold unless overridden).</summary>
    public required double DetectionThreshold { get; init; }

    /// <summary>Detection rate at <see cref="DetectionThreshold"/>.</summary>
    public required double DetectionRate { get; init; }

    /// <summary>False-alarm rate at <see cref="DetectionThreshold"/>.</summary>
    public required double FalseAlarmRate { get; init; }

    /// <summary>Share of detected anomalous images whose heat-map peak lies in a labelled box; NaN when none was detected.</summary>
    public required double LocalisationHitRate { get; init; }

    /// <summary>Detected anomalous images that the localisation figure counts.</summary>
    public required int LocalisationCount { get; init; }

    /// <summary>Normal images.</summary>
    public required int NormalCount { get; init; }

    /// <summary>Anomalous images.</summary>
    public required int AnomalousCount { get; init; }

    /// <summary>The ROC curve.</summary>
    public required IReadOnlyList<RocPoint> Roc { get; init; }
}

/// <summary>Figures for the anomalous images of one concealment kind, each kind against all normal images.</summary>
/// <param name="Kind">The kind, as <c>concealments.csv</c> names it.</param>
/// <param name="Count">Anomalous images holding this kind.</param>
/// <param name="Auroc">Image AUROC of all normal images against this kind's images.</param>
/// <param name="DetectionRate">Share of this kind's images at or above the detection threshold.</param>
public sealed record KindFigures(string Kind, int Count, double Auroc, double DetectionRate);

/// <summary>Computes an <see cref="EvaluationResult"/> from scored images.</summary>
public static class Evaluator
{
    /// <summary>
    /// Evaluates <paramref name="images"/>. "Detected" means score ≥ <paramref name="detectionThreshold"/>. A peak
    /// hits when it lies inside a labelled box grown by <paramref name="peakTolerancePixels"/> (half the model's
    /// downsample factor: the map is known only per reduced pixel).
    /// </summary>
    public static EvaluationResult Evaluate(IReadOnlyList<ScoredImage> images, double detectionThreshold, double targetFalsePositiveRate = 0.01, double peakTolerancePixels = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        var scores = images.Select(i => i.Score).ToArray();
        var labels = images.Select(i => i.IsAnomalous).ToArray();
        var detected = images.Where(i => i.IsAnomalous && i.Score >= detectionThreshold).ToList();
        int hits = detected.Count(i => i.Boxes.Any(b => b.Contains(i.PeakX, i.PeakY, peakTolerancePixels)));
        int normals = labels.Count(l => !l);
        int anomalous = labels.Length - normals;
        return new EvaluationResult
        {
            ImageAuroc = BinaryMetrics.Auroc(scores, labels),
            AveragePrecision = BinaryMetrics.AveragePrecision(scores, labels),
            AtOnePercent = BinaryMetrics.AtFalsePositiveRate(scores, labels, 0.01),
            AtTwoPercent = BinaryMetrics.AtFalsePositiveRate(scores, labels, 0.02),
            AtTarget = BinaryMetrics.AtFalsePositiveRate(scores, labels, targetFalsePositiveRate),
            TargetFalsePositiveRate = targetFalsePositiveRate,
            DetectionThreshold = detectionThreshold,
            DetectionRate = detected.Count / (double)anomalous,
            FalseAlarmRate = images.Count(i => !i.IsAnomalous && i.Score >= detectionThreshold) / (double)normals,
            LocalisationHitRate = detected.Count == 0 ? double.NaN : hits / (double)detected.Count,
            LocalisationCount = detected.Count,
            NormalCount = normals,
            AnomalousCount = anomalous,
            Roc = BinaryMetrics.RocCurve(scores, labels),
        };
    }

    /// <summary>
    /// Per-kind figures: for each kind in <paramref name="kinds"/> (file → kinds), every normal image against the
    /// anomalous images holding that kind (an image with two kinds counts in both). Sorted by kind name.
    /// </summary>
    public static IReadOnlyList<KindFigures> PerKind(IReadOnlyList<ScoredImage> images, IReadOnlyDictionary<string, IReadOnlyList<string>> kinds, double detectionThreshold)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(kinds);
        var normals = images.Where(i => !i.IsAnomalous).Select(i => i.Score).ToArray();
        var byKind = images
            .Where(i => i.IsAnomalous)
            .SelectMany(i => kinds.TryGetValue(i.File, out var held) ? held.Select(k => (Kind: k, i.Score)) : [])
            .GroupBy(p => p.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        var figures = new List<KindFigures>();
        foreach (var group in byKind)
        {
            var kindScores = group.Select(p => p.Score).ToArray();
            double[] scores = [.. normals, .. kindScores];
            bool[] labels = [.. normals.Select(_ => false), .. kindScores.Select(_ => true)];
            figures.Add(new KindFigures(group.Key, kindScores.Length, BinaryMetrics.Auroc(scores, labels), kindScores.Count(s => s >= detectionThreshold) / (double)kindScores.Length));
        }

        return figures;
    }
}
