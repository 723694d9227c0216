using System.Globalization;
using System.Text;
using System.Text.Json;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Bundles;

/// <summary>What <see cref="ReviewBundleVerifier"/> found.</summary>
/// <param name="Ok">True when every check passed.</param>
/// <param name="Unreadable">True when the file could not be read as a bundle at all (not a zip, over a limit, unsafe names).</param>
/// <param name="Problems">Each failed check, one line each, most specific first.</param>
/// <param name="Notes">What was checked (and caveats, such as a key taken from the bundle itself).</param>
public sealed record BundleVerificationResult(bool Ok, bool Unreadable, IReadOnlyList<string> Problems, IReadOnlyList<string> Notes);

/// <summary>
/// Verifies a review bundle offline: the proof entries chain to a checkpoint signed by the gateway key; each
/// transaction's record, images and heat maps match what the audit entries recorded; the manifest matches the
/// files. Every mismatch is reported with the file, the field and both values.
/// </summary>
public static class ReviewBundleVerifier
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };
    private static readonly JsonSerializerOptions ManifestOptions = new(TransactionJson.Options) { MaxDepth = 16 };

    /// <summary>
    /// Verifies the bundle at <paramref name="path"/>. <paramref name="trustedKey"/>: the gateway key obtained out of
    /// band (null: the bundle's own key is used and a note says so). <paramref name="checkpoints"/>: checkpoints the
    /// reviewer holds (e.g. from the control room); any that fall within the proof must agree with it.
    /// </summary>
    public static BundleVerificationResult Verify(string path, AuditPublicKey? trustedKey = null, IReadOnlyList<AuditCheckpoint>? checkpoints = null)
    {
        try
        {
            using var zip = BundleZipReader.Open(path);
            return VerifyOpen(zip, trustedKey, checkpoints ?? []);
        }
        catch (BundleFormatException ex)
        {
            return new BundleVerificationResult(false, true, [$"not a valid review bundle: {ex.Message}"], []);
        }
    }

    private static BundleVerificationResult VerifyOpen(BundleZipReader zip, AuditPublicKey? trustedKey, IReadOnlyList<AuditCheckpoint> held)
    {
        var problems = new List<string>();
        var notes = new List<string>();

        // 1. The manifest.
        var manifest = ReadManifest(zip);

        // 2. The key.
        AuditPublicKey bundleKey;
        try
        {
            bundleKey = AuditPublicKey.FromPem(Encoding.UTF8.GetString(zip.ReadAll(BundleFormat.PublicKeyPath, BundleFormat.MaxPublicKeyBytes)));
        }
        catch (AuditKeyException ex)
        {
            throw new BundleFormatException($"{BundleFormat.PublicKeyPath}: {ex.Message}", ex);
        }

        using (bundleKey)
        {
            if (manifest.KeyFingerprint != bundleKey.Fingerprint)
            {
                problems.Add($"{BundleFormat.ManifestPath}: key_fingerprint {manifest.KeyFingerprint} is not the fingerprint of {BundleFormat.PublicKeyPath} ({bundleKey.Fingerprint})");
            }

            if (trustedKey is not null && trustedKey.Fingerprint != bundleKey.Fingerprint)
            {
                problems.Add($"{BundleFormat.PublicKeyPath}: the bundle's key {bundleKey.Fingerprint} is not the trusted gateway key {trustedKey.Fingerprint}; nothing in it can be trusted");
                return new BundleVerificationResult(false, false, problems, notes);
            }

            notes.Add(trustedKey is not null
                ? $"key {bundleKey.Fingerprint} is the trusted gateway key"
                : $"key {bundleKey.Fingerprint} taken from the bundle itself: confirm this fingerprint with the issuing agency (or pass --public-key)");

            // 3. The checkpoint.
            AuditCheckpoint checkpoint;
            try
            {
                var list = AuditCheckpoint.ParseMany(Encoding.UTF8.GetString(zip.ReadAll(BundleFormat.CheckpointPath, BundleFormat.MaxCheckpointBytes)), BundleFormat.CheckpointPath);
                checkpoint = list.Count == 1 ? list[0] : throw new BundleFormatException($"{BundleFormat.CheckpointPath} must hold exactly one checkpoint");
            }
            catch (FormatException ex)
            {
                throw new BundleFormatException(ex.Message, ex);
            }

            if (!checkpoint.Verify(bundleKey, out var checkpointProblem))
            {
                problems.Add($"{BundleFormat.CheckpointPath}: the {checkpoint} {checkpointProblem}");
            }

            if (manifest.Checkpoint is null || manifest.Checkpoint.Seq != checkpoint.Seq || manifest.Checkpoint.Hash != checkpoint.Hash)
            {
                problems.Add($"{BundleFormat.ManifestPath}: its checkpoint does not match {BundleFormat.CheckpointPath} (entry {checkpoint.Seq}, hash {checkpoint.Hash})");
            }

            // 4. The proof: a contiguous, signed run of entries ending at the checkpoint.
            var covered = new List<AuditEntry>();
            var hashes = new Dictionary<long, string>();
            AuditVerificationResult proof;
            using (var entries = new MemoryStream())
            {
                zip.Read(BundleFormat.EntriesPath, BundleFormat.MaxEntriesBytes, chunk => entries.Write(chunk));
                entries.Position = 0;
                proof = AuditVerifier.VerifySegment(entries, bundleKey, checkpoint, entry =>
                {
                    hashes[entry.Seq] = entry.Hash;
                    if (entry.Payload is not null && covered.Count < 100_000)
                    {
                        covered.Add(entry);
                    }
                }, BundleFormat.MaxProofEntries);
            }

            if (!proof.Ok)
            {
                var where = proof.Seq is { } seq ? $" at entry {seq}" : string.Empty;
                problems.Add($"{BundleFormat.EntriesPath}: {(proof.Kind is { } kind ? AuditVerificationResult.Word(kind) : "invalid")}{where}: {proof.Message}");
            }
            else
            {
                notes.Add($"audit entries {proof.Head.Seq - proof.EntryCount + 1}..{proof.Head.Seq} chain to the {checkpoint}, signed by the gateway key");
            }

            foreach (var other in held)
            {
                if (!other.Verify(bundleKey, out _))
                {
                    continue;
                }

                if (hashes.TryGetValue(other.Seq, out var hash))
                {
                    if (hash != other.Hash)
                    {
                        problems.Add($"{BundleFormat.EntriesPath}: entry {other.Seq} has hash {hash[..16]}… but the {other} you hold says {other.Hash[..16]}…: the bundle's proof is not the published log");
                    }
                    else
                    {
                        notes.Add($"the {other} you hold agrees with the proof");
                    }
                }
            }

            // 5. The transactions.
            foreach (var transaction in manifest.Transactions!)
            {
                CheckTransaction(zip, transaction, covered, problems);
            }

            // 6. The manifest's file list.
            CheckFiles(zip, manifest, problems);
        }

        if (problems.Count == 0)
        {
            notes.Insert(0, $"{manifest.Transactions!.Count} transaction{(manifest.Transactions.Count == 1 ? string.Empty : "s")} ({string.Join(", ", manifest.Transactions.Select(t => t.Id))}) " +
                            $"from gateway {manifest.GatewayId} at site {manifest.SiteId}: records, images and heat maps match the signed audit entries");
        }

        return new BundleVerificationResult(problems.Count == 0, false, problems, notes);
    }

    private static BundleManifest ReadManifest(BundleZipReader zip)
    {
        BundleManifest? manifest;
        try
        {
            var bytes = zip.ReadAll(BundleFormat.ManifestPath, BundleFormat.MaxManifestBytes);
            manifest = JsonSerializer.Deserialize<BundleManifest>(bytes, ManifestOptions);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new BundleFormatException($"{BundleFormat.ManifestPath} is not a bundle manifest: {AuditEntryFormat.Shorten(ex.Message)}", ex);
        }

        if (manifest?.Format != BundleFormat.Format)
        {
            throw new BundleFormatException($"{BundleFormat.ManifestPath}: format is '{AuditEntryFormat.Shorten(manifest?.Format ?? "(missing)")}', expected '{BundleFormat.Format}'");
        }

        if (manifest.Transactions is null || manifest.Files is null || manifest.Transactions.Count is 0 or > BundleFormat.MaxTransactions ||
            manifest.Transactions.Any(t => t is null || t.Id is null || !Ulid.IsValid(t.Id) || t.Images is null || t.HeatMaps is null) ||
            manifest.Files.Any(f => f is null || f.Path is null || f.Sha256 is null))
        {
            throw new BundleFormatException($"{BundleFormat.ManifestPath}: transactions or files are missing or malformed");
        }

        return manifest;
    }

    private static void CheckTransaction(BundleZipReader zip, BundleTransaction transaction, List<AuditEntry> covered, List<string> problems)
    {
        var id = transaction.Id!;
        var mine = covered.Where(e => e.PayloadString("transaction_id") == id).ToArray();
        var audited = mine.LastOrDefault(e => e.Kind == AuditKind.Transaction);
        if (audited is null)
        {
            problems.Add($"transaction {id}: no transaction entry in {BundleFormat.EntriesPath} covers it; nothing about it can be verified");
            return;
        }

        using var payload = audited.PayloadDocument();
        if (payload is null)
        {
            problems.Add($"transaction {id}: audit entry {audited.Seq} has no readable payload");
            return;
        }

        var audit = payload.RootElement;
        var tag = $"audit entry {audited.Seq}";

        // The record: field by field first (the precise message), then its hash.
        var recordPath = BundleFormat.RecordPath(id);
        if (!zip.Contains(recordPath))
        {
            problems.Add($"{recordPath} is missing");
        }
        else
        {
            var record = zip.ReadAll(recordPath, BundleFormat.MaxRecordBytes);
            CompareRecord(recordPath, record, audit, tag, mine.Where(e => e.Kind is AuditKind.Decision or AuditKind.Override).LastOrDefault(), problems);
            var sha = AuditEntryFormat.Sha256Hex(record);
            var expected = Text(audit, "record_sha256");
            if (sha != expected)
            {
                problems.Add($"{recordPath}: its SHA-256 {sha} is not the record SHA-256 {expected} audited in {tag}: the record was altered");
            }
        }

        CompareFiles(zip, id, transaction.Images!, audit, "images", "image", tag, BundleFormat.ImagePath, BundleFormat.MaxImageBytes, problems);
        CompareFiles(zip, id, transaction.HeatMaps!, audit, "heat_maps", "heat map", tag, BundleFormat.HeatMapPath, BundleFormat.MaxHeatMapBytes, problems);
    }

    private static void CompareRecord(string recordPath, byte[] record, JsonElement audit, string tag, AuditEntry? lastDecision, List<string> problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(record, DocumentOptions);
        }
        catch (JsonException ex)
        {
            problems.Add($"{recordPath}: not a transaction record (invalid JSON: {AuditEntryFormat.Shorten(ex.Message)})");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{recordPath}: not a transaction record (not a JSON object)");
                return;
            }

            (string Record, string Audit)[] fields =
            [
                ("id", "transaction_id"), ("lane_id", "lane_id"), ("revision", "revision"), ("outcome", "outcome"), ("radiation", "radiation"),
                ("analysis.score", "score"), ("analysis.threshold", "threshold"), ("analysis.verdict", "verdict"),
                ("analysis.model.name", "model.name"), ("analysis.model.version", "model.version"), ("analysis.model.sha256", "model.sha256"),
                ("decision.action", "decision.action"), ("decision.by", "decision.by"), ("decision.reason", "decision.reason"),
                ("decision.is_override", "decision.is_override"), ("decision.supervisor", "decision.supervisor"),
            ];
            foreach (var (recordField, auditField) in fields)
            {
                var mine = Find(root, recordField);
                var theirs = Find(audit, auditField);
                if (!SameValue(mine, theirs))
                {
                    problems.Add($"{recordPath}: {recordField} is {Show(mine)} but {tag} recorded {Show(theirs)}");
                }
            }

            var images = Find(root, "scan.images");
            var auditedImages = Find(audit, "images");
            if (images?.ValueKind == JsonValueKind.Array && auditedImages?.ValueKind == JsonValueKind.Array)
            {
                foreach (var image in images.Value.EnumerateArray())
                {
                    var file = Text(image, "file");
                    var match = auditedImages.Value.EnumerateArray().FirstOrDefault(a => Text(a, "file") == file);
                    if (match.ValueKind != JsonValueKind.Object || Text(match, "sha256") != Text(image, "sha256"))
                    {
                        problems.Add($"{recordPath}: scan image {file} has SHA-256 {Text(image, "sha256")} but {tag} recorded {(match.ValueKind == JsonValueKind.Object ? Text(match, "sha256") : "no such image")}");
                    }
                }
            }

            if (lastDecision is not null)
            {
                using var decision = lastDecision.PayloadDocument();
                if (decision is not null)
                {
                    foreach (var field in new[] { "action", "by", "reason" })
                    {
                        var mine = Find(root, "decision." + field);
                        var theirs = Find(decision.RootElement, field);
                        if (!SameValue(mine, theirs))
                        {
                            problems.Add($"{recordPath}: decision.{field} is {Show(mine)} but audit entry {lastDecision.Seq} ({AuditKinds.ToWord(lastDecision.Kind)}) recorded {Show(theirs)}");
                        }
                    }
                }
            }
        }
    }

    private static void CompareFiles(BundleZipReader zip, string id, IReadOnlyList<string> listed, JsonElement audit, string auditField, string noun, string tag,
        Func<string, string, string> pathOf, long maxBytes, List<string> problems)
    {
        var audited = new Dictionary<string, string>(StringComparer.Ordinal);
        if (audit.TryGetProperty(auditField, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                if (Text(item, "file") is { } file && Text(item, "sha256") is { } sha)
                {
                    audited[file] = sha;
                }
            }
        }

        var prefix = pathOf(id, string.Empty);
        foreach (var path in listed.Concat(zip.Paths.Where(p => p.StartsWith(prefix, StringComparison.Ordinal))).Distinct(StringComparer.Ordinal))
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
            {
                problems.Add($"{BundleFormat.ManifestPath}: {path} is listed as a {noun} of {id} but is not in its {noun} folder");
                continue;
            }

            var file = path[prefix.Length..];
            if (!zip.Contains(path))
            {
                problems.Add($"{path} is listed in the manifest but missing from the bundle");
                continue;
            }

            var (sha, _) = zip.Hash(path, maxBytes);
            if (!audited.TryGetValue(file, out var expected))
            {
                problems.Add($"{path}: no {noun} named {file} is recorded in {tag}; it is not part of the audited evidence");
            }
            else if (sha != expected)
            {
                problems.Add($"{path}: its SHA-256 {sha} does not match the SHA-256 {expected} recorded for this {noun} in {tag}: the {noun} was swapped or altered");
            }
        }

        foreach (var file in audited.Keys.Where(f => !zip.Contains(pathOf(id, f))))
        {
            problems.Add($"{pathOf(id, file)}: the {noun} recorded in {tag} is missing from the bundle");
        }
    }

    private static void CheckFiles(BundleZipReader zip, BundleManifest manifest, List<string> problems)
    {
        var listed = new Dictionary<string, BundleFile>(StringComparer.Ordinal);
        foreach (var file in manifest.Files!)
        {
            if (!listed.TryAdd(file.Path!, file))
            {
                problems.Add($"{BundleFormat.ManifestPath}: {file.Path} is listed twice");
            }
        }

        var ids = manifest.Transactions!.Select(t => t.Id!).ToHashSet(StringComparer.Ordinal);
        foreach (var path in zip.Paths.Where(p => p != BundleFormat.ManifestPath).Order(StringComparer.Ordinal))
        {
            if (BundleFormat.LimitFor(path) is not { } limit)
            {
                problems.Add($"{path}: not a file a review bundle may contain");
                continue;
            }

            if (path.StartsWith("transactions/", StringComparison.Ordinal) && !ids.Contains(path.Split('/')[1]))
            {
                problems.Add($"{path}: belongs to no transaction in the manifest, so nothing vouches for it");
            }

            if (!listed.TryGetValue(path, out var entry))
            {
                problems.Add($"{path}: not listed in the manifest");
                continue;
            }

            var (sha, size) = zip.Hash(path, limit);
            if (sha != entry.Sha256 || size != entry.SizeBytes)
            {
                problems.Add($"{path}: SHA-256 {sha} ({size.ToString(CultureInfo.InvariantCulture)} bytes) but the manifest lists {entry.Sha256} ({entry.SizeBytes.ToString(CultureInfo.InvariantCulture)} bytes)");
            }
        }

        foreach (var path in listed.Keys.Where(p => !zip.Contains(p)))
        {
            problems.Add($"{path}: listed in the manifest but missing from the bundle");
        }
    }

    private static JsonElement? Find(JsonElement root, string dottedPath)
    {
        var current = root;
        foreach (var part in dottedPath.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current.ValueKind == JsonValueKind.Null ? null : current;
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool SameValue(JsonElement? a, JsonElement? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        var x = a.Value;
        var y = b.Value;
        if (x.ValueKind != y.ValueKind)
        {
            return false;
        }

        return x.ValueKind switch
        {
            JsonValueKind.Number => x.TryGetDouble(out var dx) && y.TryGetDouble(out var dy) && dx.Equals(dy),
            JsonValueKind.String => x.GetString() == y.GetString(),
            JsonValueKind.True or JsonValueKind.False => true,
            _ => x.GetRawText() == y.GetRawText(),
        };
    }

    private static string Show(JsonElement? value) => value is null ? "absent" : AuditEntryFormat.Shorten(value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString()! : value.Value.GetRawText());
}
