using System.Text.RegularExpressions;

namespace PortScanEdge.Integrity.Bundles;

/// <summary>Names and limits of the review-bundle format (docs/review-bundle.md).</summary>
public static partial class BundleFormat
{
    /// <summary>The manifest's <c>format</c>.</summary>
    public const string Format = "portscan-edge-review-bundle/1";

    /// <summary>The manifest.</summary>
    public const string ManifestPath = "manifest.json";

    /// <summary>The gateway's public key.</summary>
    public const string PublicKeyPath = "public-key.pem";

    /// <summary>The signed checkpoint the proof ends at.</summary>
    public const string CheckpointPath = "checkpoint.json";

    /// <summary>The audit entries: a contiguous run of the log, from the first entry covering a transaction to the checkpoint's entry.</summary>
    public const string EntriesPath = "audit/entries.jsonl";

    /// <summary>Largest bundle file accepted.</summary>
    public const long MaxBundleBytes = 8L * 1024 * 1024 * 1024;

    /// <summary>Most zip entries accepted.</summary>
    public const int MaxZipEntries = 10_000;

    /// <summary>Largest zip central directory accepted.</summary>
    public const long MaxCentralDirectoryBytes = 4L * 1024 * 1024;

    /// <summary>Most bytes decompressed from one bundle in total.</summary>
    public const long MaxTotalBytes = 8L * 1024 * 1024 * 1024;

    /// <summary>Most transactions per bundle.</summary>
    public const int MaxTransactions = 500;

    /// <summary>Most audit entries in a bundle's proof.</summary>
    public const int MaxProofEntries = 200_000;

    /// <summary>Largest manifest.</summary>
    public const long MaxManifestBytes = 4L * 1024 * 1024;

    /// <summary>Largest public key file.</summary>
    public const long MaxPublicKeyBytes = 64 * 1024;

    /// <summary>Largest checkpoint file.</summary>
    public const long MaxCheckpointBytes = 16 * 1024;

    /// <summary>Largest entries file.</summary>
    public const long MaxEntriesBytes = 256L * 1024 * 1024;

    /// <summary>Largest record.</summary>
    public const long MaxRecordBytes = 4L * 1024 * 1024;

    /// <summary>Largest image.</summary>
    public const long MaxImageBytes = 1024L * 1024 * 1024;

    /// <summary>Largest heat map.</summary>
    public const long MaxHeatMapBytes = 64L * 1024 * 1024;

    /// <summary>Path of a transaction's record.</summary>
    public static string RecordPath(string id) => $"transactions/{id}/record.json";

    /// <summary>Path of a transaction's image.</summary>
    public static string ImagePath(string id, string file) => $"transactions/{id}/images/{file}";

    /// <summary>Path of a transaction's heat map.</summary>
    public static string HeatMapPath(string id, string file) => $"transactions/{id}/heatmaps/{file}";

    /// <summary>The size limit of a path, or null when the format has no such file.</summary>
    public static long? LimitFor(string path) => path switch
    {
        ManifestPath => MaxManifestBytes,
        PublicKeyPath => MaxPublicKeyBytes,
        CheckpointPath => MaxCheckpointBytes,
        EntriesPath => MaxEntriesBytes,
        _ when RecordPattern().IsMatch(path) => MaxRecordBytes,
        _ when ImagePattern().IsMatch(path) => MaxImageBytes,
        _ when HeatMapPattern().IsMatch(path) => MaxHeatMapBytes,
        _ => null,
    };

    [GeneratedRegex("^transactions/[0-7][0-9A-HJKMNP-TV-Z]{25}/record\\.json$")]
    private static partial Regex RecordPattern();

    [GeneratedRegex("^transactions/[0-7][0-9A-HJKMNP-TV-Z]{25}/images/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ImagePattern();

    [GeneratedRegex("^transactions/[0-7][0-9A-HJKMNP-TV-Z]{25}/heatmaps/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex HeatMapPattern();
}

/// <summary>manifest.json.</summary>
internal sealed record BundleManifest
{
    public string? Format { get; init; }

    public string? CreatedAt { get; init; }

    public string? SiteId { get; init; }

    public string? GatewayId { get; init; }

    public string? KeyFingerprint { get; init; }

    public BundleCheckpointRef? Checkpoint { get; init; }

    public BundleAuditRef? Audit { get; init; }

    public IReadOnlyList<BundleTransaction>? Transactions { get; init; }

    public IReadOnlyList<BundleFile>? Files { get; init; }
}

/// <summary>The checkpoint, repeated in the manifest.</summary>
internal sealed record BundleCheckpointRef(long Seq, string? Hash);

/// <summary>Where the proof is and what it spans.</summary>
internal sealed record BundleAuditRef(string? File, long FirstSeq, long LastSeq, long Entries);

/// <summary>One transaction in the bundle.</summary>
internal sealed record BundleTransaction(string? Id, string? LaneId, string? Record, IReadOnlyList<string>? Images, IReadOnlyList<string>? HeatMaps, IReadOnlyList<long>? AuditEntries);

/// <summary>One file of the bundle with its SHA-256.</summary>
internal sealed record BundleFile(string? Path, string? Sha256, long SizeBytes);

/// <summary>A bundle that cannot be read as one (not a zip, over a limit, hostile names…), said plainly.</summary>
public sealed class BundleFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An export that cannot be made, said plainly.</summary>
public sealed class BundleExportException(string message, Exception? inner = null) : Exception(message, inner);
