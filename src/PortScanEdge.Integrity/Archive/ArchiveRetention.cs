using System.Globalization;
using System.Text.Json;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Archive;

/// <summary>How much evidence the archive keeps: <c>audit.archive_retention_days</c> and <c>audit.archive_max_gigabytes</c>.</summary>
/// <param name="MaxAge">Oldest evidence kept; zero for no age limit.</param>
/// <param name="MaxBytes">Most bytes kept; zero for no size limit.</param>
public sealed record ArchiveRetentionPolicy(TimeSpan MaxAge, long MaxBytes)
{
    /// <summary>Evidence younger than this is never deleted, whatever the limits say.</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromHours(1);

    /// <summary>True when there is a limit to enforce.</summary>
    public bool IsActive => MaxAge > TimeSpan.Zero || MaxBytes > 0;

    /// <summary>The policy the options set.</summary>
    public static ArchiveRetentionPolicy From(AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ArchiveRetentionPolicy(TimeSpan.FromDays(options.ArchiveRetentionDays), (long)(options.ArchiveMaxGigabytes * 1024 * 1024 * 1024));
    }
}

/// <summary>A transaction the retention policy deletes, and which limit deletes it.</summary>
/// <param name="Transaction">The archived transaction.</param>
/// <param name="Reason">The limit, as the config key and its value.</param>
public sealed record RetentionCut(StoredTransaction Transaction, string Reason);

/// <summary>Where the audit log records that a transaction's evidence was deleted by the retention policy.</summary>
/// <param name="Seq">The <c>archive_pruned</c> entry.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Reason">Which limit.</param>
public sealed record PruningRecord(long Seq, string Timestamp, string Reason);

/// <summary>Chooses what the retention policy deletes. Pure: the caller lists the archive and deletes.</summary>
public static class ArchiveRetention
{
    /// <summary>
    /// The <c>archive_pruned</c> entry of <paramref name="logPath"/> that names <paramref name="transactionId"/>, or
    /// null: how export explains evidence that is no longer there.
    /// </summary>
    public static PruningRecord? FindPruning(string logPath, string transactionId)
    {
        if (!File.Exists(logPath))
        {
            return null;
        }

        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        foreach (var raw in new BoundedLineReader(stream, AuditEntryFormat.MaxLineBytes).ReadAll())
        {
            if (raw.TooLong || !AuditEntryFormat.TryParse(raw.Bytes, out var entry, out _) || entry!.Kind != AuditKind.ArchivePruned
                || entry.Payload is not { } payload || !payload.Contains(transactionId, StringComparison.Ordinal))
            {
                continue;
            }

            using var json = JsonDocument.Parse(payload);
            if (json.RootElement.GetProperty("transactions").EnumerateArray().Any(t => t.GetProperty("transaction_id").GetString() == transactionId))
            {
                return new PruningRecord(entry.Seq, entry.Timestamp, json.RootElement.GetProperty("reason").GetString() ?? string.Empty);
            }
        }

        return null;
    }

    /// <summary>
    /// From an oldest-first inventory: every transaction older than <see cref="ArchiveRetentionPolicy.MaxAge"/>,
    /// then the oldest of the rest until what remains fits <see cref="ArchiveRetentionPolicy.MaxBytes"/>; never one
    /// younger than <see cref="ArchiveRetentionPolicy.MinimumAge"/>, so the limit may be exceeded rather than
    /// evidence of the last hour lost. When even the newest transaction is older than the age limit, age counts back
    /// from the newest instead of the clock: a gateway whose clock jumps years ahead (a bad time source after a power
    /// cut) does not delete its whole archive, and a lane idle for longer than the limit keeps its last window.
    /// </summary>
    public static IReadOnlyList<RetentionCut> Select(IReadOnlyList<StoredTransaction> oldestFirst, ArchiveRetentionPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(oldestFirst);
        ArgumentNullException.ThrowIfNull(policy);
        var cuts = new List<RetentionCut>();
        if (!policy.IsActive)
        {
            return cuts;
        }

        var youngest = now - ArchiveRetentionPolicy.MinimumAge;
        var ageFrom = oldestFirst.Count > 0 && oldestFirst[^1].ArrivedAt < now - policy.MaxAge ? oldestFirst[^1].ArrivedAt : now;
        var ageReason = string.Create(CultureInfo.InvariantCulture, $"audit.archive_retention_days {policy.MaxAge.TotalDays:0.###}");
        var sizeReason = string.Create(CultureInfo.InvariantCulture, $"audit.archive_max_gigabytes {policy.MaxBytes / (1024.0 * 1024 * 1024):0.###}");
        var remaining = oldestFirst.Sum(t => t.SizeBytes);
        foreach (var transaction in oldestFirst)
        {
            if (transaction.ArrivedAt > youngest)
            {
                break;
            }

            string? reason = policy.MaxAge > TimeSpan.Zero && transaction.ArrivedAt < ageFrom - policy.MaxAge ? ageReason
                : policy.MaxBytes > 0 && remaining > policy.MaxBytes ? sizeReason
                : null;
            if (reason is null)
            {
                break;
            }

            cuts.Add(new RetentionCut(transaction, reason));
            remaining -= transaction.SizeBytes;
        }

        return cuts;
    }
}
