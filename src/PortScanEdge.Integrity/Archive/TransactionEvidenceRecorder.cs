using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Archive;

/// <summary>
/// What the lane calls when a transaction closes: archives its record, images and heat maps, then writes its
/// <c>transaction</c> audit entry (record SHA-256, image and heat-map SHA-256s, model, score, threshold, verdict,
/// decision). The audit entry is written even when archiving fails — with <c>archive_error</c> saying why — so the
/// chain never misses a transaction.
/// </summary>
public sealed class TransactionEvidenceRecorder(IAuditLog log, TransactionArchive archive, ILogger<TransactionEvidenceRecorder>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>The archive written to.</summary>
    public TransactionArchive Archive => archive;

    /// <summary>Archives and audits a (normally closed) transaction; returns its audit entry.</summary>
    public async Task<AuditEntry> RecordAsync(VehicleTransaction transaction, IReadOnlyList<EvidenceSource> images, IReadOnlyList<EvidenceSource> heatMaps,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArchivedTransaction? archived = null;
        string? error = null;
        try
        {
            archived = await archive.StoreAsync(transaction, images, heatMaps, cancellationToken).ConfigureAwait(false);
            if (archived.Problems.Count > 0)
            {
                error = string.Join("; ", archived.Problems);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            error = ex.Message;
            Log.ArchiveFailed(_logger, transaction.Id, ex.Message);
        }

        var recordSha = archived?.RecordSha256 ?? AuditEntryFormat.Sha256Hex(TransactionJson.SerializeToUtf8Bytes(transaction));
        var payload = TransactionAuditPayload.From(transaction, recordSha, archived?.HeatMaps ?? [], error);
        return await log.AppendAsync(AuditKind.Transaction, payload, cancellationToken).ConfigureAwait(false);
    }
}
