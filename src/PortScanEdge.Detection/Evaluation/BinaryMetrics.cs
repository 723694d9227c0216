namespace PortScanEdge.Detection.Evaluation;

/// <summary>A point of a ROC curve: alert when score ≥ <see cref="Threshold"/>.</summary>
/// <param name="Threshold">Score threshold.</param>
/// <param name="FalsePositiveRate">Share of normal images at or above the threshold, 0–1.</param>
/// <param name="TruePositiveRate">Share of anomalous images at or above the threshold, 0–1.</param>
public readonly record struct RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

/// <summary>An operating point chosen for a target false-alarm rate.</summary>
/// <param name="Threshold">Alert when score ≥ threshold.</param>
/// <param name="FalsePositiveRate">False-alarm rate achieved on the data, ≤ the target.</param>
/// <param name="TruePositiveRate">Detection rate achieved on the data.</param>
public readonly record struct OperatingPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

/// <summary>
/// Image-level detection metrics from scores and binary labels. The convention throughout: an image is an
/// alert when its score is at or above the threshold; ties between a normal and an anomalous image count half
/// in the AUROC. Inputs must hold at least one normal and one anomalous image.
/// </summary>
public static class BinaryMetrics
{
    /// <summary>Area under the ROC curve: the probability that a random anomalous image outscores a random normal one (ties ½).</summary>
    public static double Auroc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (positives, negatives) = Split(scores, labels);
        Array.Sort(negatives);
        double wins = 0;
        foreach (var p in positives)
        {
            int below = LowerBound(negatives, p);
            int belowOrEqual = UpperBound(negatives, p);
            wins += below + 0.5 * (belowOrEqual - below);
        }

        return wins / ((double)positives.Length * negatives.Length);
    }

    /// <summary>
    /// Average precision: Σ (Rₖ − Rₖ₋₁) · Pₖ over the distinct score thresholds from high to low (tied scores form
    /// one step), the step-wise area under the precision–recall curve.
    /// </summary>
    public static double AveragePrecision(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (positives, _) = Split(scores, labels);
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        double ap = 0, previousRecall = 0;
        int truePositives = 0, seen = 0;
        for (int k = 0; k < order.Length;)
        {
            double threshold = scores[order[k]];
            while (k < order.Length && scores[order[k]] == threshold)
            {
                truePositives += labels[order[k]] ? 1 : 0;
                seen++;
                k++;
            }

            double recall = truePositives / (double)positives.Length;
            ap += (recall - previousRecall) * (truePositives / (double)seen);
            previousRecall = recall;
        }

        return ap;
    }

    /// <summary>The ROC curve from (0, 0) to (1, 1), one point per distinct score.</summary>
    public static IReadOnlyList<RocPoint> RocCurve(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (positives, negatives) = Split(scores, labels);
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var points = new List<RocPoint> { new(double.PositiveInfinity, 0, 0) };
        int tp = 0, fp = 0;
        for (int k = 0; k < order.Length;)
        {
            double threshold = scores[order[k]];
            while (k < order.Length && scores[order[k]] == threshold)
            {
                if (labels[order[k]])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                k++;
            }

            points.Add(new RocPoint(threshold, fp / (double)negatives.Length, tp / (double)positives.Length));
        }

        return points;
    }

    /// <summary>
    /// The lowest threshold whose false-alarm rate on these images is ≤ <paramref name="maximumFalsePositiveRate"/>,
    /// and the detection rate there. The threshold is placed midway between the highest normal score that must stay
    /// below it and the next higher score in the data (just above that normal score when nothing is higher).
    /// </summary>
    public static OperatingPoint AtFalsePositiveRate(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, double maximumFalsePositiveRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maximumFalsePositiveRate);
        var (positives, negatives) = Split(scores, labels);
        Array.Sort(negatives);
        Array.Reverse(negatives);
        int allowed = (int)Math.Floor(maximumFalsePositiveRate * negatives.Length + 1e-9);
        double threshold;
        if (allowed >= negatives.Length)
        {
            threshold = Math.Min(negatives.Min(), positives.Min());
        }
        else
        {
            double mustStayBelow = negatives[allowed];
            double next = double.PositiveInfinity;
            foreach (var s in scores)
            {
                if (s > mustStayBelow && s < next)
                {
                    next = s;
                }
            }

            threshold = double.IsPositiveInfinity(next) ? Math.BitIncrement(mustStayBelow) : mustStayBelow + (next - mustStayBelow) / 2;
            if (threshold <= mustStayBelow)
            {
                threshold = Math.BitIncrement(mustStayBelow);
            }
        }

        double fpr = negatives.Count(s => s >= threshold) / (double)negatives.Length;
        double tpr = positives.Count(s => s >= threshold) / (double)positives.Length;
        return new OperatingPoint(threshold, fpr, tpr);
    }

    private static (double[] Positives, double[] Negatives) Split(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count)
        {
            throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels", nameof(labels));
        }

        var positives = new List<double>();
        var negatives = new List<double>();
        for (int i = 0; i < scores.Count; i++)
        {
            if (double.IsNaN(scores[i]))
            {
                throw new ArgumentException($"score {i} is NaN", nameof(scores));
            }

            (labels[i] ? positives : negatives).Add(scores[i]);
        }

        if (positives.Count == 0 || negatives.Count == 0)
        {
            throw new ArgumentException($"need both normal and anomalous images (got {negatives.Count} normal, {positives.Count} anomalous)", nameof(labels));
        }

        return (positives.ToArray(), negatives.ToArray());
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
