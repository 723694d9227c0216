using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Bundles;

/// <summary>What to export and from where.</summary>
public sealed class BundleExportRequest
{
    /// <summary>The transactions to include (from <see cref="TransactionArchive"/>).</summary>
    public required IReadOnlyList<ArchivedTransaction> Transactions { get; init; }

    /// <summary>The gateway's audit log.</summary>
    public required string LogPath { get; init; }

    /// <summary>The gateway's local checkpoint file.</summary>
    public required string CheckpointFile { get; init; }

    /// <summary>The gateway's public key.</summary>
    public required AuditPublicKey PublicKey { get; init; }

    /// <summary>Site id.</summary>
    public required string SiteId { get; init; }

    /// <summary>Gateway id.</summary>
    public required string GatewayId { get; init; }

    /// <summary>The zip to write.</summary>
    public required string OutPath { get; init; }
}

/// <summary>What an export wrote.</summary>
/// <param name="Path">The bundle.</param>
/// <param name="Transactions">Transactions included.</param>
/// <param name="FirstSeq">First audit entry in the proof.</param>
/// <param name="Checkpoint">The checkpoint the proof ends at.</param>
/// <param name="ProofEntries">Entries in the proof (covering entries in full, the others redacted).</param>
public sealed record BundleExportResult(string Path, int Transactions, long FirstSeq, AuditCheckpoint Checkpoint, long ProofEntries);

/// <summary>
/// Builds a review bundle: each transaction's record, images and heat maps from the archive; the run of audit
/// entries from the first one covering them to the first signed checkpoint after the last one (entries about
/// other vehicles redacted to their hashes); that checkpoint; the public key; and a manifest of SHA-256s. The
/// result is verified with <see cref="ReviewBundleVerifier"/> before it is kept.
/// </summary>
public static class ReviewBundleWriter
{
    private static readonly JsonSerializerOptions ManifestOptions = new(TransactionJson.Options) { WriteIndented = true };

    /// <summary>Writes the bundle; throws <see cref="BundleExportException"/> saying why it cannot.</summary>
    public static BundleExportResult Write(BundleExportRequest request, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var time = timeProvider ?? TimeProvider.System;
        if (request.Transactions.Count == 0)
        {
            throw new BundleExportException("no transaction to export");
        }

        if (request.Transactions.Count > BundleFormat.MaxTransactions)
        {
            throw new BundleExportException($"{request.Transactions.Count} transactions; a bundle holds at most {BundleFormat.MaxTransactions} (narrow the time range)");
        }

        var ids = request.Transactions.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var covering = FindCoveringEntries(request.LogPath, ids);
        foreach (var id in ids.Where(id => !covering.Transactions.ContainsKey(id)))
        {
            throw new BundleExportException($"transaction {id} has no transaction entry in the audit log {request.LogPath}");
        }

        var first = covering.Seqs.Min();
        var last = covering.Seqs.Max();
        var checkpoint = AuditCheckpointer.FindCovering(request.CheckpointFile, last, request.PublicKey)
            ?? throw new BundleExportException(
                $"no signed checkpoint covers audit entry {last} yet (checkpoints in {request.CheckpointFile}); the gateway makes one at each " +
                "audit.checkpoint_interval while running and at shutdown — try again after the next one");
        if (checkpoint.Seq - first + 1 > BundleFormat.MaxProofEntries)
        {
            throw new BundleExportException($"the proof would span {checkpoint.Seq - first + 1} audit entries; at most {BundleFormat.MaxProofEntries} fit in a bundle");
        }

        var temporary = request.OutPath + ".tmp-" + Environment.ProcessId;
        try
        {
            long proofEntries;
            var files = new List<(string Path, string Sha256, long Size)>();
            using (var output = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                files.Add(AddBytes(zip, BundleFormat.PublicKeyPath, Encoding.ASCII.GetBytes(request.PublicKey.Pem)));
                files.Add(AddBytes(zip, BundleFormat.CheckpointPath, Encoding.UTF8.GetBytes(checkpoint.ToJson() + "\n")));
                (var entriesFile, proofEntries) = AddProof(zip, request.LogPath, first, checkpoint, covering.Seqs);
                files.Add(entriesFile);

                var transactions = new List<BundleTransaction>();
                foreach (var transaction in request.Transactions.OrderBy(t => t.Id, StringComparer.Ordinal))
                {
                    files.Add(AddFile(zip, BundleFormat.RecordPath(transaction.Id), transaction.RecordPath));
                    var images = transaction.Images.Select(i => BundleFormat.ImagePath(transaction.Id, i.File)).ToArray();
                    foreach (var image in transaction.Images)
                    {
                        files.Add(AddFile(zip, BundleFormat.ImagePath(transaction.Id, image.File), transaction.ImagePath(image.File)));
                    }

                    var heatMaps = transaction.HeatMaps.Select(h => BundleFormat.HeatMapPath(transaction.Id, h.File)).ToArray();
                    foreach (var heatMap in transaction.HeatMaps)
                    {
                        files.Add(AddFile(zip, BundleFormat.HeatMapPath(transaction.Id, heatMap.File), transaction.HeatMapPath(heatMap.File)));
                    }

                    transactions.Add(new BundleTransaction(transaction.Id, transaction.LaneId, BundleFormat.RecordPath(transaction.Id), images, heatMaps,
                        covering.Transactions[transaction.Id].Order().ToArray()));
                }

                var manifest = new BundleManifest
                {
                    Format = BundleFormat.Format,
                    CreatedAt = AuditEntryFormat.FormatTimestamp(time.GetUtcNow()),
                    SiteId = request.SiteId,
                    GatewayId = request.GatewayId,
                    KeyFingerprint = request.PublicKey.Fingerprint,
                    Checkpoint = new BundleCheckpointRef(checkpoint.Seq, checkpoint.Hash),
                    Audit = new BundleAuditRef(BundleFormat.EntriesPath, first, checkpoint.Seq, proofEntries),
                    Transactions = transactions,
                    Files = files.Select(f => new BundleFile(f.Path, f.Sha256, f.Size)).ToArray(),
                };
                var json = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestOptions);
                AddBytes(zip, BundleFormat.ManifestPath, json);
            }

            var verification = ReviewBundleVerifier.Verify(temporary, request.PublicKey);
            if (!verification.Ok)
            {
                throw new BundleExportException("the evidence does not match the audit log, so no bundle was written:\n  " + string.Join("\n  ", verification.Problems));
            }

            File.Move(temporary, request.OutPath, overwrite: true);
            return new BundleExportResult(request.OutPath, request.Transactions.Count, first, checkpoint, proofEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BundleExportException($"writing {request.OutPath} failed: {ex.Message}", ex);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private sealed record Covering(HashSet<long> Seqs, Dictionary<string, List<long>> Transactions);

    /// <summary>Every entry whose payload names one of the transactions; which of them are <c>transaction</c> entries.</summary>
    private static Covering FindCoveringEntries(string logPath, HashSet<string> ids)
    {
        var seqs = new HashSet<long>();
        var transactions = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var audited = new HashSet<string>(StringComparer.Ordinal);
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        foreach (var raw in new BoundedLineReader(stream, AuditEntryFormat.MaxLineBytes).ReadAll())
        {
            if (raw.TooLong || !AuditEntryFormat.TryParse(raw.Bytes, out var entry, out _) || entry!.Payload is null)
            {
                continue;
            }

            if (!ids.Any(id => entry.Payload.Contains(id, StringComparison.Ordinal)))
            {
                continue;
            }

            var id = entry.PayloadString("transaction_id");
            if (id is null || !ids.Contains(id))
            {
                continue;
            }

            seqs.Add(entry.Seq);
            if (!transactions.TryGetValue(id, out var list))
            {
                transactions[id] = list = [];
            }

            list.Add(entry.Seq);
            if (entry.Kind == AuditKind.Transaction)
            {
                audited.Add(id);
            }
        }

        // Only transactions with a transaction entry count as covered: the caller names the others.
        foreach (var id in transactions.Keys.Where(id => !audited.Contains(id)).ToArray())
        {
            transactions.Remove(id);
        }

        return new Covering(seqs, transactions);
    }

    /// <summary>Copies entries first..checkpoint.Seq, covering ones in full, the others without payload.</summary>
    private static ((string, string, long) File, long Count) AddProof(ZipArchive zip, string logPath, long first, AuditCheckpoint checkpoint, HashSet<long> covering)
    {
        var entry = zip.CreateEntry(BundleFormat.EntriesPath, CompressionLevel.Optimal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0, count = 0;
        using (var output = entry.Open())
        using (var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            foreach (var raw in new BoundedLineReader(stream, AuditEntryFormat.MaxLineBytes).ReadAll())
            {
                if (raw.TooLong || !AuditEntryFormat.TryParse(raw.Bytes, out var parsed, out _))
                {
                    continue; // the proof is verified below; a gap shows there
                }

                if (parsed!.Seq < first)
                {
                    continue;
                }

                if (parsed.Seq > checkpoint.Seq)
                {
                    break;
                }

                var line = AuditEntryFormat.FormatLine(covering.Contains(parsed.Seq) ? parsed : parsed.Redacted());
                output.Write(line);
                sha.AppendData(line);
                size += line.Length;
                count++;
            }
        }

        return ((BundleFormat.EntriesPath, Convert.ToHexStringLower(sha.GetHashAndReset()), size), count);
    }

    private static (string, string, long) AddBytes(ZipArchive zip, string path, byte[] bytes)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        using (var output = entry.Open())
        {
            output.Write(bytes);
        }

        return (path, AuditEntryFormat.Sha256Hex(bytes), bytes.Length);
    }

    private static (string, string, long) AddFile(ZipArchive zip, string path, string source)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        using (var output = entry.Open())
        using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, read);
                sha.AppendData(buffer, 0, read);
                size += read;
            }
        }

        return (path, Convert.ToHexStringLower(sha.GetHashAndReset()), size);
    }
}
