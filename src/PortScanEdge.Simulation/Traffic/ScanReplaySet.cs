namespace PortScanEdge.Simulation.Traffic;

/// <summary>One radiograph file of a replay set and its label.</summary>
/// <param name="Path">Full path of the image file.</param>
/// <param name="IsAnomalous">True for a label-1 (concealment) image.</param>
public sealed record ReplayImage(string Path, bool IsAnomalous);

/// <summary>
/// Radiograph files the simulated scanners replay instead of generating images (<c>simulation.images</c>): a vehicle
/// planned with a concealment gets a label-1 file, any other a label-0 file; when the set has only one kind, every
/// vehicle draws from it. The plan's seed picks the file, so the same traffic replays the same files.
/// </summary>
public sealed class ScanReplaySet
{
    private readonly ReplayImage[] _all;
    private readonly ReplayImage[] _normal;
    private readonly ReplayImage[] _anomalous;

    /// <summary>Creates a set of at least one image.</summary>
    public ScanReplaySet(IEnumerable<ReplayImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        _all = [.. images];
        if (_all.Length == 0)
        {
            throw new ArgumentException("a replay set needs at least one image", nameof(images));
        }

        _normal = [.. _all.Where(i => !i.IsAnomalous)];
        _anomalous = [.. _all.Where(i => i.IsAnomalous)];
    }

    /// <summary>Images in the set.</summary>
    public int Count => _all.Length;

    /// <summary>Images labelled anomalous.</summary>
    public int AnomalousCount => _anomalous.Length;

    /// <summary>The image a vehicle of <paramref name="plan"/> shows.</summary>
    public ReplayImage Pick(VehiclePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var kind = plan.WithConcealment ? _anomalous : _normal;
        var from = kind.Length > 0 ? kind : _all;
        return from[(int)((ulong)plan.Seed % (ulong)from.Length)];
    }
}
