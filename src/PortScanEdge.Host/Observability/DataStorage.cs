using System.Globalization;

namespace PortScanEdge.Host.Observability;

/// <summary>Size and free space of a file system, in bytes.</summary>
/// <param name="FreeBytes">Space an unprivileged writer (the service user) can still use.</param>
/// <param name="SizeBytes">The file system's size.</param>
public readonly record struct StorageSpace(long FreeBytes, long SizeBytes);

/// <summary>
/// The file system holding <c>gateway.data_dir</c> (evidence archive, audit log, outbox, working copies): its free
/// space for the metrics, and the readiness check that turns unready below <c>gateway.min_free_megabytes</c>.
/// </summary>
public sealed class DataStorage(string directory, long minFreeBytes)
{
    /// <summary>The data directory measured.</summary>
    public string Directory { get; } = directory;

    /// <summary>Free space below which the gateway is unready; 0 never.</summary>
    public long MinFreeBytes { get; } = minFreeBytes;

    /// <summary>The space now; null when the directory does not exist (yet) or cannot be measured.</summary>
    public StorageSpace? Measure()
    {
        try
        {
            var drive = new DriveInfo(Directory);
            return new StorageSpace(drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The readiness check <c>storage</c>.</summary>
    public HealthCheck Check()
    {
        if (Measure() is not { } space)
        {
            return new HealthCheck("storage", MinFreeBytes == 0, $"cannot measure the free space of {Directory}");
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"{space.FreeBytes / Mega} MB free of {space.SizeBytes / Mega} MB on the file system of {Directory}");
        return space.FreeBytes >= MinFreeBytes
            ? new HealthCheck("storage", true, text)
            : new HealthCheck("storage", false, text + string.Create(CultureInfo.InvariantCulture, $", below gateway.min_free_megabytes ({MinFreeBytes / Mega} MB): free space before evidence can no longer be written"));
    }

    private const long Mega = 1024 * 1024;
}
