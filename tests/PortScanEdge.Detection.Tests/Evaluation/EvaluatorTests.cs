using System.Globalization;
using System.Text.Json;
using PortScanEdge.Detection.Evaluation;

namespace PortScanEdge.Detection.Tests.Evaluation;

public class EvaluatorTests
{
    private static readonly LabelBox Box = new(100, 50, 20, 10);

    [Fact]
    public void Evaluate_TwoDetectedOneLocalised_HitRateIsHalf()
    {
        ScoredImage[] images =
        [
            new("n1.png", false, [], 0.1),
            new("n2.png", false, [], 0.2),
            new("a1.png", true, [Box], 0.9, PeakX: 110, PeakY: 55),    // detected, peak inside
            new("a2.png", true, [Box], 0.8, PeakX: 300, PeakY: 55),    // detected, peak elsewhere
            new("a3.png", true, [Box], 0.15, PeakX: 300, PeakY: 300),  // not detected: not counted
        ];

        var result = Evaluator.Evaluate(images, detectionThreshold: 0.5);

        Assert.Equal(0.5, result.LocalisationHitRate);
        Assert.Equal(2, result.LocalisationCount);
        Assert.Equal(2.0 / 3.0, result.DetectionRate, 12);
        Assert.Equal(0.0, result.FalseAlarmRate);
        Assert.Equal(2, result.NormalCount);
        Assert.Equal(3, result.AnomalousCount);

        // a3 (0.15) sits between the normals: beats 0.1, loses to 0.2 → (2 + 2 + 1) / 6.
        Assert.Equal(5.0 / 6.0, result.ImageAuroc, 12);
    }

    [Fact]
    public void Evaluate_PeakJustOutsideBox_HitsOnlyWithTolerance()
    {
        ScoredImage[] images = [new("n.png", false, [], 0.1), new("a.png", true, [Box], 0.9, PeakX: 121, PeakY: 55)];

        Assert.Equal(0.0, Evaluator.Evaluate(images, 0.5).LocalisationHitRate);
        Assert.Equal(1.0, Evaluator.Evaluate(images, 0.5, peakTolerancePixels: 2).LocalisationHitRate);
    }

    [Fact]
    public void ToJson_HasTheKeysEvaluateMustPrint_OnOneLine()
    {
        ScoredImage[] images = [new("n.png", false, [], 0.1), new("a.png", true, [Box], 0.05, PeakX: 0, PeakY: 0)];
        var json = EvaluationReport.ToJson(Evaluator.Evaluate(images, 0.5));

        Assert.DoesNotContain('\n', json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        foreach (var key in new[] { "image_auroc", "average_precision", "tpr_at_fpr_1pct", "tpr_at_fpr_2pct", "localisation_hit_rate", "n_normal", "n_anomalous" })
        {
            Assert.True(root.TryGetProperty(key, out _), key);
        }

        Assert.Equal(0.0, root.GetProperty("image_auroc").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("localisation_hit_rate").ValueKind); // nothing detected
        Assert.Equal(1, root.GetProperty("n_anomalous").GetInt32());
    }

    [Fact]
    public void FormatThreshold_ScoresCrowdedBelowOne_CopiedTextKeepsTheSameVerdicts()
    {
        // A confident model's scores sit just below 1: four decimals print 1.0000 and six round the threshold up past
        // an anomaly one float above the highest normal.
        float[] normals = [0.5f, 0.99998653f, 0.99999189f];
        float anomaly = 0.99999195f; // the next float above the highest normal
        ScoredImage[] images = [.. normals.Select((s, i) => new ScoredImage($"n{i}.png", false, [], s)), new("a.png", true, [Box], anomaly)];
        var result = Evaluator.Evaluate(images, 0.5, targetFalsePositiveRate: 0.01);

        var text = EvaluationReport.FormatThreshold(result.AtTarget.Threshold);
        var copied = double.Parse(text, CultureInfo.InvariantCulture);

        Assert.True(copied >= result.AtTarget.Threshold, $"{text} rounds below the exact threshold {result.AtTarget.Threshold:R}");
        Assert.All(normals, s => Assert.True(s < copied, $"normal {s:R} would alert at the copied threshold {text}"));
        Assert.True(anomaly >= copied, $"the anomaly {anomaly:R} would be missed at the copied threshold {text}");
        var json = JsonDocument.Parse(EvaluationReport.ToJson(result)).RootElement;
        Assert.Equal(copied, json.GetProperty("threshold_for_target_fpr").GetDouble());
    }
    [Fact]
    public void PerKind_HandComputed_EachKindAgainstAllNormals()
    {
        // Normals 0.1 … 0.4. a2 holds both kinds and counts in both; x has no kind row and is left out.
        // Kind A (0.35, 0.5): 0.35 beats three normals, 0.5 all four → AUROC 7/8; one of two at ≥ 0.45.
        ScoredImage[] images =
        [
            new("n1.png", false, [], 0.1), new("n2.png", false, [], 0.2), new("n3.png", false, [], 0.3), new("n4.png", false, [], 0.4),
            new("a1.png", true, [Box], 0.35), new("a2.png", true, [Box], 0.5), new("b1.png", true, [Box], 0.05), new("x.png", true, [Box], 0.9),
        ];
        var kinds = new Dictionary<string, IReadOnlyList<string>> { ["a1.png"] = ["A"], ["a2.png"] = ["A", "B"], ["b1.png"] = ["B"] };

        var figures = Evaluator.PerKind(images, kinds, detectionThreshold: 0.45);

        Assert.Equal(["A", "B"], figures.Select(f => f.Kind));
        Assert.Equal(new KindFigures("A", 2, 0.875, 0.5), figures[0]);
        // B: 0.5 beats all four normals, 0.05 none → AUROC 4/8; one of two detected.
        Assert.Equal(new KindFigures("B", 2, 0.5, 0.5), figures[1]);
    }
}
