using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PortScanEdge.Integrity.Audit;

/// <summary>
/// A signed statement of the chain head: "entry <see cref="Seq"/> of gateway <see cref="GatewayId"/>'s audit log
/// has hash <see cref="Hash"/>". Published (retained) to the control room and written to a local file; a verifier
/// holding one can detect any later rewrite of entries up to <see cref="Seq"/>, even a consistent one.
/// </summary>
/// <param name="SiteId">Site id.</param>
/// <param name="GatewayId">Gateway id.</param>
/// <param name="Seq">Sequence number of the head entry (0 for an empty log).</param>
/// <param name="Hash">Hash of the head entry.</param>
/// <param name="At">When the checkpoint was made, as an entry timestamp.</param>
/// <param name="KeyFingerprint">Fingerprint of the key that signs the log and this checkpoint.</param>
/// <param name="Signature">Base64 DER ECDSA P-256/SHA-256 signature of <see cref="Preimage()"/>.</param>
public sealed record AuditCheckpoint(string SiteId, string GatewayId, long Seq, string Hash, string At, string KeyFingerprint, string Signature)
{
    /// <summary>The <c>format</c> field and the first line of the pre-image.</summary>
    public const string Format = "portscan-edge-audit-checkpoint/1";

    /// <summary>Largest checkpoint file read (JSON object, array or JSON lines).</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    /// <summary>Largest single checkpoint accepted.</summary>
    public const int MaxCheckpointBytes = 16 * 1024;

    /// <summary>The signed bytes: ASCII lines <c>portscan-edge-audit-checkpoint/1</c>, <c>site_id=</c>, <c>gateway_id=</c>, <c>seq=</c>, <c>hash=</c>, <c>at=</c>, <c>key_fingerprint=</c>, each ending in a line feed.</summary>
    public byte[] Preimage() => Preimage(SiteId, GatewayId, Seq, Hash, At, KeyFingerprint);

    /// <summary>The pre-image of a checkpoint with these fields.</summary>
    public static byte[] Preimage(string siteId, string gatewayId, long seq, string hash, string at, string keyFingerprint) =>
        Encoding.UTF8.GetBytes(
            $"{Format}\nsite_id={siteId}\ngateway_id={gatewayId}\nseq={seq.ToString(CultureInfo.InvariantCulture)}\nhash={hash}\nat={at}\nkey_fingerprint={keyFingerprint}\n");

    /// <summary>Creates and signs a checkpoint.</summary>
    public static AuditCheckpoint Create(string siteId, string gatewayId, AuditHead head, DateTimeOffset at, AuditSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(key);
        var timestamp = AuditEntryFormat.FormatTimestamp(at);
        var fingerprint = key.PublicKey.Fingerprint;
        var signature = key.Sign(Preimage(siteId, gatewayId, head.Seq, head.Hash, timestamp, fingerprint));
        return new AuditCheckpoint(siteId, gatewayId, head.Seq, head.Hash, timestamp, fingerprint, signature);
    }

    /// <summary>Checks the fingerprint and signature against <paramref name="key"/>.</summary>
    public bool Verify(AuditPublicKey key, out string problem)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (KeyFingerprint != key.Fingerprint)
        {
            problem = $"it names key {Short(KeyFingerprint)}, not the verifying key {Short(key.Fingerprint)}";
            return false;
        }

        if (!key.Verify(Preimage(), Signature))
        {
            problem = "its signature is not valid";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    /// <summary>One line of JSON (no trailing newline).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("site_id", SiteId);
            writer.WriteString("gateway_id", GatewayId);
            writer.WriteNumber("seq", Seq);
            writer.WriteString("hash", Hash);
            writer.WriteString("at", At);
            writer.WriteString("key_fingerprint", KeyFingerprint);
            writer.WriteString("sig", Signature);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Human description, e.g. <c>checkpoint at entry 42 (2026-…Z)</c>.</summary>
    public override string ToString() => $"checkpoint at entry {Seq} ({At})";

    /// <summary>Parses one checkpoint object; strict about shapes, tolerant of unknown extra fields.</summary>
    public static bool TryParse(JsonElement element, out AuditCheckpoint? checkpoint, out string error)
    {
        checkpoint = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "a checkpoint must be a JSON object";
            return false;
        }

        string? Text(string name) =>
            element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var format = Text("format");
        if (format != Format)
        {
            error = $"format is '{AuditEntryFormat.Shorten(format ?? "(missing)")}', expected '{Format}'";
            return false;
        }

        if (!element.TryGetProperty("seq", out var seqElement) || seqElement.ValueKind != JsonValueKind.Number ||
            !seqElement.TryGetInt64(out var seq) || seq < 0)
        {
            error = "seq is missing or not a non-negative integer";
            return false;
        }

        var site = Text("site_id");
        var gateway = Text("gateway_id");
        var hash = Text("hash");
        var at = Text("at");
        var fingerprint = Text("key_fingerprint");
        var sig = Text("sig");
        if (site is null || gateway is null || hash is null || at is null || fingerprint is null || sig is null)
        {
            error = "a required field (site_id, gateway_id, hash, at, key_fingerprint, sig) is missing";
            return false;
        }

        if (site.Length > 63 || gateway.Length > 63 || site.Contains('\n', StringComparison.Ordinal) || gateway.Contains('\n', StringComparison.Ordinal))
        {
            error = "site_id or gateway_id is not an id";
            return false;
        }

        if (!AuditEntryFormat.IsHash(hash) || !AuditEntryFormat.IsHash(fingerprint) || !AuditEntryFormat.TryParseTimestamp(at, out _) || at.Length != 24 || sig.Length > 200)
        {
            error = "hash, key_fingerprint, at or sig is malformed";
            return false;
        }

        checkpoint = new AuditCheckpoint(site, gateway, seq, hash, at, fingerprint, sig);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses checkpoint text: one JSON object, a JSON array of them, or JSON lines (the local checkpoint file).</summary>
    public static IReadOnlyList<AuditCheckpoint> ParseMany(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var options = new JsonDocumentOptions { MaxDepth = 4 };
        JsonDocument? whole = null;
        try
        {
            whole = JsonDocument.Parse(text, options);
        }
        catch (JsonException)
        {
            // Not a single JSON value: JSON lines.
        }

        var result = new List<AuditCheckpoint>();
        if (whole is not null)
        {
            using (whole)
            {
                if (whole.RootElement.ValueKind == JsonValueKind.Array)
                {
                    var index = 0;
                    foreach (var element in whole.RootElement.EnumerateArray())
                    {
                        index++;
                        result.Add(ParseOne(element, $"{source}: item {index}"));
                    }
                }
                else
                {
                    result.Add(ParseOne(whole.RootElement, source));
                }
            }

            return result;
        }

        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (line.Length > MaxCheckpointBytes)
            {
                throw new FormatException($"{source}:{lineNumber}: longer than {MaxCheckpointBytes} bytes; not a checkpoint");
            }

            try
            {
                using var document = JsonDocument.Parse(line, options);
                result.Add(ParseOne(document.RootElement, $"{source}:{lineNumber}"));
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{source}:{lineNumber}: not checkpoint JSON: {AuditEntryFormat.Shorten(ex.Message)}", ex);
            }
        }

        return result;
    }

    /// <summary>
    /// Reads a checkpoint file: a JSON object or array (at most <see cref="MaxFileBytes"/>), or JSON lines of any
    /// length (read line by line, at most <see cref="MaxCheckpoints"/>).
    /// </summary>
    public static IReadOnlyList<AuditCheckpoint> ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        if (info.Length <= MaxFileBytes)
        {
            return ParseMany(File.ReadAllText(path), path);
        }

        var result = new List<AuditCheckpoint>();
        foreach (var checkpoint in ReadLines(path))
        {
            if (result.Count >= MaxCheckpoints)
            {
                throw new FormatException($"{path}: more than {MaxCheckpoints} checkpoints; pass the ones that matter");
            }

            result.Add(checkpoint);
        }

        return result;
    }

    /// <summary>Most checkpoints read from one file.</summary>
    public const int MaxCheckpoints = 4_000_000;

    /// <summary>Streams a JSON-lines checkpoint file (such as the gateway's own), one checkpoint at a time.</summary>
    public static IEnumerable<AuditCheckpoint> ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        foreach (var raw in new BoundedLineReader(stream, MaxCheckpointBytes).ReadAll())
        {
            if (raw.TooLong)
            {
                throw new FormatException($"{path}:{raw.Number}: longer than {MaxCheckpointBytes} bytes; not a checkpoint");
            }

            if (raw.Bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                continue;
            }

            if (!raw.Terminated)
            {
                yield break; // a checkpoint being written right now
            }

            AuditCheckpoint checkpoint;
            try
            {
                using var document = JsonDocument.Parse(raw.Bytes, new JsonDocumentOptions { MaxDepth = 4 });
                checkpoint = ParseOne(document.RootElement, $"{path}:{raw.Number}");
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{path}:{raw.Number}: not checkpoint JSON: {AuditEntryFormat.Shorten(ex.Message)}", ex);
            }

            yield return checkpoint;
        }
    }

    private static AuditCheckpoint ParseOne(JsonElement element, string where) =>
        TryParse(element, out var checkpoint, out var error) ? checkpoint! : throw new FormatException($"{where}: {error}");

    private static string Short(string fingerprint) => fingerprint.Length > 16 ? fingerprint[..16] + "…" : fingerprint;
}
