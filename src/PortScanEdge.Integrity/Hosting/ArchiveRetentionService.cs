using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Hosting;

/// <summary>
/// Enforces the archive's retention policy at start and every <see cref="Interval"/>: the transactions it selects
/// are named in an <c>archive_pruned</c> audit entry (reason, record hashes, sizes) and only then deleted, so the
/// signed log always says which evidence was removed by policy. Does nothing when no limit is configured.
/// </summary>
public sealed class ArchiveRetentionService(
    TransactionArchive archive,
    IAuditLog log,
    IOptions<PortScanEdgeOptions> options,
    TimeProvider time,
    ILogger<ArchiveRetentionService> logger) : BackgroundService
{
    /// <summary>How often the archive is checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Applies the policy once; returns how many transactions were deleted.</summary>
    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken = default)
    {
        var policy = ArchiveRetentionPolicy.From(options.Value.Audit);
        var cuts = ArchiveRetention.Select(archive.Inventory(), policy, time.GetUtcNow());
        var removed = 0;
        foreach (var group in cuts.GroupBy(c => c.Reason))
        {
            foreach (var chunk in group.Chunk(ArchivePrunedAuditPayload.MaxTransactions))
            {
                var named = chunk.Select(c => new PrunedTransaction(c.Transaction.Id, c.Transaction.LaneId, archive.Find(c.Transaction.Id)?.RecordSha256 ?? string.Empty, c.Transaction.SizeBytes)).ToArray();
                var bytes = named.Sum(n => n.SizeBytes);

                // The signed log names the evidence before it goes; a failed write deletes nothing.
                await log.AppendAsync(AuditKind.ArchivePruned, new ArchivePrunedAuditPayload(group.Key, named, bytes), cancellationToken).ConfigureAwait(false);
                int removedHere = 0;
                long bytesHere = 0;
                foreach (var cut in chunk)
                {
                    try
                    {
                        archive.Remove(cut.Transaction);
                        removedHere++;
                        bytesHere += cut.Transaction.SizeBytes;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        Log.PruneFailed(logger, cut.Transaction.Id, ex.Message);
                    }
                }

                // What was deleted, not what was meant to be: a failed removal is logged on its own above.
                Log.Pruned(logger, removedHere, bytesHere / (1024.0 * 1024.0), group.Key);
                removed += removedHere;
            }
        }

        return removed;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!ArchiveRetentionPolicy.From(options.Value.Audit).IsActive)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PruneOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    Log.PruneFailed(logger, "(archive)", ex.Message);
                }

                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
