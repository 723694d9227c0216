using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Archive;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// The gateway's working copies of a vehicle's files under <c>gateway.data_dir</c>: the verified radiographs
/// (<c>images/{id}/</c>, written by the scanner hand-over) and the heat-map overlay (<c>overlays/{id}.png</c>). They
/// serve the lane and the console while the vehicle is in the lane; once the transaction is in the evidence archive
/// without problems they are released (deleted) and the console reads the archive's copies, so each radiograph is
/// kept once on the gateway's disk, not twice. A transaction that could not be archived keeps its working copies.
/// </summary>
public sealed class WorkingCopies(string dataDirectory, TransactionArchive archive)
{
    /// <summary>The name of the heat-map overlay in a transaction's archived evidence.</summary>
    public const string OverlayEvidenceName = "heatmap-overlay.png";

    /// <summary>The image store the scanner hand-over copies verified images into (one sub-directory per transaction).</summary>
    public string ImagesDirectory { get; } = Path.Combine(dataDirectory, "images");

    /// <summary>Where overlays are written (<c>{id}.png</c>).</summary>
    public string OverlaysDirectory { get; } = Path.Combine(dataDirectory, "overlays");

    /// <summary>The working copy of an image of a transaction.</summary>
    public string ImagePath(string transactionId, string file) => Path.Combine(ImagesDirectory, transactionId, file);

    /// <summary>The working copy of a transaction's overlay.</summary>
    public string OverlayPath(string transactionId) => Path.Combine(OverlaysDirectory, transactionId + ".png");

    /// <summary>An image of a transaction, from its working copy or else the archive; null when neither exists.</summary>
    public string? FindImage(VehicleTransaction transaction, string file)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (file.Length == 0 || Path.GetFileName(file) != file)
        {
            return null;
        }

        return Existing(ImagePath(transaction.Id, file)) ?? Archived(transaction, TransactionArchive.ImagesDir, file);
    }

    /// <summary>A transaction's heat-map overlay, from its working copy or else the archive; null when neither exists.</summary>
    public string? FindOverlay(VehicleTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return Existing(OverlayPath(transaction.Id)) ?? Archived(transaction, TransactionArchive.HeatMapsDir, OverlayEvidenceName);
    }

    /// <summary>
    /// Deletes the working copies of <paramref name="transactionId"/> if the archive holds the transaction without
    /// problems; returns true when it did (or there was nothing to delete), false when they are kept.
    /// </summary>
    public bool Release(string transactionId)
    {
        if (archive.Find(transactionId) is not { Problems.Count: 0 })
        {
            return false;
        }

        var images = Path.Combine(ImagesDirectory, transactionId);
        if (Directory.Exists(images))
        {
            Directory.Delete(images, recursive: true);
        }

        File.Delete(OverlayPath(transactionId));
        return true;
    }

    /// <summary>
    /// Releases the working copies of every archived transaction (left behind by a stop between archiving and
    /// releasing, or by an older version); run at start, before any vehicle. Returns how many were released.
    /// </summary>
    public int ReleaseArchived()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(ImagesDirectory))
        {
            ids.UnionWith(Directory.EnumerateDirectories(ImagesDirectory).Select(Path.GetFileName).OfType<string>());
        }

        if (Directory.Exists(OverlaysDirectory))
        {
            ids.UnionWith(Directory.EnumerateFiles(OverlaysDirectory, "*.png").Select(Path.GetFileNameWithoutExtension).OfType<string>());
        }

        return ids.Count(Release);
    }

    private static string? Existing(string path) => File.Exists(path) ? path : null;

    private string? Archived(VehicleTransaction transaction, string kind, string file) =>
        archive.DirectoryOf(transaction.LaneId, transaction.Id) is { } directory ? Existing(Path.Combine(directory, kind, file)) : null;
}
