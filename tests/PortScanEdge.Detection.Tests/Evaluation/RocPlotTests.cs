using PortScanEdge.Detection.Evaluation;
using PortScanEdge.Detection.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PortScanEdge.Detection.Tests.Evaluation;

public sealed class RocPlotTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Save_PerfectClassifier_CurveRunsUpTheLeftEdgeAndAlongTheTop()
    {
        var roc = BinaryMetrics.RocCurve([0.1, 0.2, 0.8, 0.9], [false, false, true, true]);
        var path = Path.Combine(_directory.Path, "roc.png");

        RocPlot.Save(path, roc);

        using var image = Image.Load<Rgb24>(path);
        Assert.Equal(480, image.Width);

        // Plot area: 40 px margin, 400 px square. A perfect curve goes (0,0) → (0,1) → (1,1).
        Assert.True(IsBlue(image[40, 240]), "left edge at TPR 0.5 should be on the curve");
        Assert.True(IsBlue(image[240, 40]), "top edge at FPR 0.5 should be on the curve");
        Assert.False(IsBlue(image[240, 240]), "the middle of the plot is off the curve");
    }

    private static bool IsBlue(Rgb24 pixel) => pixel.B > 180 && pixel.R < 80;
}
