namespace PortScanEdge.Detection.Evaluation;

/// <summary>An axis-aligned labelled box in radiograph pixels.</summary>
/// <param name="X">Left column, pixels.</param>
/// <param name="Y">Top row, pixels.</param>
/// <param name="Width">Width, pixels.</param>
/// <param name="Height">Height, pixels.</param>
public readonly record struct LabelBox(int X, int Y, int Width, int Height)
{
    /// <summary>True when (x, y) lies inside the box grown by <paramref name="tolerance"/> pixels on every side.</summary>
    public bool Contains(double x, double y, double tolerance = 0) =>
        x >= X - tolerance && x < X + Width + tolerance && y >= Y - tolerance && y < Y + Height + tolerance;
}

/// <summary>One evaluated image: its ground truth, the model's score and where its heat map peaks.</summary>
/// <param name="File">File name relative to the data set.</param>
/// <param name="IsAnomalous">Ground truth label (1 in <c>labels.csv</c>).</param>
/// <param name="Boxes">Labelled boxes (empty for normal images).</param>
/// <param name="Score">Image anomaly score; higher = more anomalous.</param>
/// <param name="PeakX">Column of the heat-map maximum in radiograph pixels, or NaN when unknown.</param>
/// <param name="PeakY">Row of the heat-map maximum in radiograph pixels, or NaN when unknown.</param>
public sealed record ScoredImage(string File, bool IsAnomalous, IReadOnlyList<LabelBox> Boxes, double Score, double PeakX = double.NaN, double PeakY = double.NaN);
