using PortScanEdge.Core.Configuration;
using PortScanEdge.Detection;
using PortScanEdge.Detection.Intake;
using PortScanEdge.Detection.Processing;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// Draws the operators' overlay pictures (radiograph, heat map, boxes) after analysis for every lane: one at a
/// time, so drawing never competes with analysis for more than one core, and with one decoding workspace (the
/// radiograph's pixels and file buffer) reused from vehicle to vehicle rather than allocated for each.
/// </summary>
public sealed class OverlayPainter(DetectionOptions options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ImageIntake _intake = new(ImageLimits.FromOptions(options));
    private readonly Radiograph _radiograph = new();

    /// <summary>Writes the overlay of the radiograph at <paramref name="imagePath"/> to <paramref name="overlayPath"/> (via a temporary name).</summary>
    /// <returns>Null when written, else why not.</returns>
    public string? Paint(string imagePath, HeatMap heatMap, IReadOnlyList<RegionOfInterest> regions, string overlayPath)
    {
        ArgumentNullException.ThrowIfNull(heatMap);
        _gate.Wait();
        try
        {
            if (_intake.TryLoad(imagePath, _radiograph) is { } rejection)
            {
                return rejection.ToString();
            }

            var temporary = overlayPath + ".tmp";
            OverlayRenderer.Write(temporary, _radiograph, heatMap.Values, heatMap.Width, heatMap.Height, heatMap.Scale, regions, options.OverlayMaxSide);
            File.Move(temporary, overlayPath, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return ex.Message;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _intake.Dispose();
        _gate.Dispose();
    }
}
