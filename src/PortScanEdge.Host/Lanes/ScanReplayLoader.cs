using PortScanEdge.Core.Configuration;
using PortScanEdge.Detection.Evaluation;
using PortScanEdge.Simulation.Traffic;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// Loads the replay set <c>simulation.images</c> names: its labels.csv, every file it lists checked present and no
/// larger than <c>detection.max_file_megabytes</c> (the simulated scanner holds a file in memory while it sends it).
/// </summary>
internal static class ScanReplayLoader
{
    /// <summary>The set, or null when <c>simulation.images</c> is empty; throws <see cref="InvalidOperationException"/> naming what is wrong.</summary>
    public static ScanReplaySet? Load(PortScanEdgeOptions config)
    {
        if (config.Simulation.Images.Length == 0)
        {
            return null;
        }

        var directory = config.ResolvePath(config.Simulation.Images);
        var labelsPath = Path.Combine(directory, "labels.csv");
        IReadOnlyList<LabelledImage> labels;
        try
        {
            labels = LabelsFile.Read(labelsPath);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"simulation.images: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"simulation.images: {labelsPath}: {ex.Message}", ex);
        }

        var images = labels.Select(l => new ReplayImage(Path.Combine(directory, l.File), l.IsAnomalous)).ToList();
        if (images.Count == 0)
        {
            throw new InvalidOperationException($"simulation.images: {labelsPath} lists no images");
        }

        // One look at each file: present, and not over the size limit.
        var files = images.Select(i => new FileInfo(i.Path)).ToList();
        var missing = files.Where(f => !f.Exists).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"simulation.images: {missing.Count} of the {images.Count} files {labelsPath} lists do not exist, e.g. {missing[0].FullName}");
        }

        var limit = config.Detection.MaxFileMegabytes * 1024L * 1024L;
        if (files.FirstOrDefault(f => f.Length > limit) is { } huge)
        {
            throw new InvalidOperationException($"simulation.images: {huge.FullName} is {huge.Length} bytes, over detection.max_file_megabytes ({config.Detection.MaxFileMegabytes} MB)");
        }

        return new ScanReplaySet(images);
    }
}
