using PortScanEdge.Detection.Evaluation;

namespace PortScanEdge.Detection.Tests.Evaluation;

public class BinaryMetricsTests
{
    // Alternating ranking, worked by hand:
    // positives {0.9, 0.7, 0.5}, negatives {0.8, 0.6, 0.4}.
    // AUROC: 0.9 beats 3, 0.7 beats 2, 0.5 beats 1 → 6 of 9 pairs = 2/3.
    // AP: positives at ranks 1, 3, 5 → precisions 1, 2/3, 3/5 → (1 + 2/3 + 3/5) / 3 = 34/45.
    private static readonly double[] AlternatingScores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    private static readonly bool[] AlternatingLabels = [true, false, true, false, true, false];

    [Fact]
    public void Auroc_AlternatingRanking_IsTwoThirds()
    {
        Assert.Equal(2.0 / 3.0, BinaryMetrics.Auroc(AlternatingScores, AlternatingLabels), 12);
    }

    [Fact]
    public void AveragePrecision_AlternatingRanking_Is34Over45()
    {
        Assert.Equal(34.0 / 45.0, BinaryMetrics.AveragePrecision(AlternatingScores, AlternatingLabels), 12);
    }

    [Fact]
    public void Auroc_PerfectSeparation_IsOne_AndReversedIsZero()
    {
        double[] scores = [0.1, 0.2, 0.3, 0.8, 0.9];
        bool[] labels = [false, false, false, true, true];
        Assert.Equal(1.0, BinaryMetrics.Auroc(scores, labels));
        Assert.Equal(1.0, BinaryMetrics.AveragePrecision(scores, labels));
        Assert.Equal(0.0, BinaryMetrics.Auroc(scores, labels.Select(l => !l).ToArray()));
    }

    [Fact]
    public void Auroc_TiedScores_CountHalf()
    {
        // One positive tied with one of two negatives and above the other: (1 + 0.5) / 2.
        Assert.Equal(0.75, BinaryMetrics.Auroc([0.5, 0.5, 0.2], [true, false, false]));

        // A tie between the only positive and the only negative is one PR step at precision 1/2.
        Assert.Equal(0.5, BinaryMetrics.AveragePrecision([0.5, 0.5], [true, false]));
    }

    [Fact]
    public void AtFalsePositiveRate_HundredNormals_PicksMidwayThresholdAndCountsHits()
    {
        // Normals score 0.00 … 0.99; anomalies 0.985, 0.975, 0.5.
        var scores = Enumerable.Range(0, 100).Select(i => i / 100.0).Concat([0.985, 0.975, 0.5]).ToArray();
        var labels = Enumerable.Repeat(false, 100).Concat([true, true, true]).ToArray();

        // 1 %: one normal (0.99) may alert; 0.98 must stay below; next higher score is 0.985 → threshold 0.9825.
        var one = BinaryMetrics.AtFalsePositiveRate(scores, labels, 0.01);
        Assert.Equal(0.9825, one.Threshold, 12);
        Assert.Equal(0.01, one.FalsePositiveRate, 12);
        Assert.Equal(1.0 / 3.0, one.TruePositiveRate, 12);

        // 2 %: 0.99 and 0.98 may alert; 0.97 stays below; next higher is 0.975 → threshold 0.9725, 2 of 3 detected.
        var two = BinaryMetrics.AtFalsePositiveRate(scores, labels, 0.02);
        Assert.Equal(0.9725, two.Threshold, 12);
        Assert.Equal(0.02, two.FalsePositiveRate, 12);
        Assert.Equal(2.0 / 3.0, two.TruePositiveRate, 12);

        // 0 %: nothing normal may alert: just above the top normal, and no anomaly is that high.
        var zero = BinaryMetrics.AtFalsePositiveRate(scores, labels, 0.0);
        Assert.True(zero.Threshold > 0.99);
        Assert.Equal(0.0, zero.FalsePositiveRate);
        Assert.Equal(0.0, zero.TruePositiveRate);
    }

    [Fact]
    public void RocCurve_Alternating_StepsThroughEveryScore()
    {
        var roc = BinaryMetrics.RocCurve(AlternatingScores, AlternatingLabels);

        Assert.Equal(7, roc.Count);
        Assert.Equal((0.0, 0.0), (roc[0].FalsePositiveRate, roc[0].TruePositiveRate));
        Assert.Equal((1.0 / 3, 1.0 / 3), (roc[2].FalsePositiveRate, roc[2].TruePositiveRate));
        Assert.Equal((1.0, 1.0), (roc[^1].FalsePositiveRate, roc[^1].TruePositiveRate));

        // The area under the steps equals the AUROC.
        double area = 0;
        for (int i = 1; i < roc.Count; i++)
        {
            area += (roc[i].FalsePositiveRate - roc[i - 1].FalsePositiveRate) * roc[i - 1].TruePositiveRate;
        }

        Assert.Equal(BinaryMetrics.Auroc(AlternatingScores, AlternatingLabels), area, 12);
    }

    [Fact]
    public void Auroc_OnlyNormalImages_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => BinaryMetrics.Auroc([0.1, 0.2], [false, false]));
        Assert.Contains("0 anomalous", error.Message, StringComparison.Ordinal);
    }
}
