using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PortScanEdge.Integrity.Audit;

/// <summary>
/// One audit-log entry, as written on one line of the log (docs/audit-log.md). <see cref="Payload"/> is the
/// payload's JSON text; it is null in a redacted copy (review-bundle proofs), where only its SHA-256 remains.
/// </summary>
/// <param name="Seq">Position in the chain, from 1, without gaps.</param>
/// <param name="Timestamp">UTC time of the entry, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, exactly as written.</param>
/// <param name="Kind">What the entry records.</param>
/// <param name="Prev">Hash of the previous entry (64 zeros for entry 1).</param>
/// <param name="PayloadSha256">SHA-256 of the UTF-8 payload text.</param>
/// <param name="Hash">SHA-256 of the entry's pre-image (<see cref="AuditEntryFormat.Preimage"/>).</param>
/// <param name="Signature">Base64 DER ECDSA P-256/SHA-256 signature of the pre-image.</param>
/// <param name="Payload">The payload's JSON text; null when redacted.</param>
public sealed record AuditEntry(long Seq, string Timestamp, AuditKind Kind, string Prev, string PayloadSha256, string Hash, string Signature, string? Payload)
{
    /// <summary>The bytes that are hashed and signed.</summary>
    public byte[] Preimage() => AuditEntryFormat.Preimage(Seq, Timestamp, AuditKinds.ToWord(Kind), Prev, PayloadSha256);

    /// <summary>True when <see cref="Hash"/> is the SHA-256 of the pre-image and, unless redacted, the payload matches <see cref="PayloadSha256"/>.</summary>
    public bool IsSelfConsistent(out string problem)
    {
        if (Payload is not null && AuditEntryFormat.Sha256Hex(Encoding.UTF8.GetBytes(Payload)) != PayloadSha256)
        {
            problem = "its payload does not match its payload_sha256";
            return false;
        }

        if (AuditEntryFormat.Sha256Hex(Preimage()) != Hash)
        {
            problem = "its fields do not match its hash";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    /// <summary>The same entry without its payload (only the payload's hash remains).</summary>
    public AuditEntry Redacted() => this with { Payload = null };

    /// <summary>Parses the payload as JSON; null when redacted or not a JSON object.</summary>
    public JsonDocument? PayloadDocument()
    {
        if (Payload is null)
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(Payload, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A string property of the payload, or null.</summary>
    public string? PayloadString(string property)
    {
        using var document = PayloadDocument();
        return document is not null && document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }
}

/// <summary>The byte-exact line format of the audit log: pre-image, writing and strict parsing.</summary>
public static partial class AuditEntryFormat
{
    /// <summary>Version tag at the start of every entry pre-image.</summary>
    public const string PreimageTag = "portscan-edge-audit/1";

    /// <summary>The <c>prev</c> of entry 1.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>Longest line a reader accepts (bytes, without the newline). Writers stay well below.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    /// <summary>Largest payload (UTF-8 bytes of its JSON text) a writer accepts.</summary>
    public const int MaxPayloadBytes = 256 * 1024;

    /// <summary>
    /// The pre-image: ASCII lines <c>portscan-edge-audit/1</c>, <c>seq=N</c>, <c>ts=…</c>, <c>kind=…</c>,
    /// <c>prev=…</c>, <c>payload_sha256=…</c>, each ending in a line feed. Its SHA-256 is the entry's hash;
    /// the signature is ECDSA P-256 with SHA-256 over these bytes.
    /// </summary>
    public static byte[] Preimage(long seq, string timestamp, string kind, string prev, string payloadSha256) =>
        Encoding.UTF8.GetBytes(
            $"{PreimageTag}\nseq={seq.ToString(CultureInfo.InvariantCulture)}\nts={timestamp}\nkind={kind}\nprev={prev}\npayload_sha256={payloadSha256}\n");

    /// <summary>The entry timestamp format: UTC with milliseconds.</summary>
    public static string FormatTimestamp(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a timestamp written by <see cref="FormatTimestamp"/>.</summary>
    public static bool TryParseTimestamp(string text, out DateTimeOffset at) =>
        DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>True for 64 lower-case hex digits.</summary>
    public static bool IsHash(string? text) => text is not null && HashPattern().IsMatch(text);

    /// <summary>Writes the entry as one line (UTF-8, with the trailing line feed).</summary>
    public static byte[] FormatLine(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var buffer = new ArrayBufferWriter<byte>(512 + (entry.Payload?.Length ?? 0) * 2);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", entry.Seq);
            writer.WriteString("ts", entry.Timestamp);
            writer.WriteString("kind", AuditKinds.ToWord(entry.Kind));
            writer.WriteString("prev", entry.Prev);
            writer.WriteString("payload_sha256", entry.PayloadSha256);
            writer.WriteString("hash", entry.Hash);
            writer.WriteString("sig", entry.Signature);
            if (entry.Payload is not null)
            {
                writer.WriteString("payload", entry.Payload);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses one line (without its line feed). Strict: every field present once with the right shape, no other
    /// field. Says what is wrong otherwise. Does not check hashes or signatures.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out AuditEntry? entry, out string error)
    {
        entry = null;
        if (line.Length > MaxLineBytes)
        {
            error = $"the line is longer than {MaxLineBytes} bytes";
            return false;
        }

        long? seq = null;
        string? ts = null, kind = null, prev = null, payloadSha = null, hash = null, sig = null, payload = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "it is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case "seq" when seq is null && reader.TokenType == JsonTokenType.Number:
                        if (!IsPlainPositiveInteger(reader.ValueSpan) || !reader.TryGetInt64(out var s))
                        {
                            error = "seq is not a positive integer";
                            return false;
                        }

                        seq = s;
                        break;
                    case "ts" when ts is null && reader.TokenType == JsonTokenType.String:
                        ts = reader.GetString();
                        break;
                    case "kind" when kind is null && reader.TokenType == JsonTokenType.String:
                        kind = reader.GetString();
                        break;
                    case "prev" when prev is null && reader.TokenType == JsonTokenType.String:
                        prev = reader.GetString();
                        break;
                    case "payload_sha256" when payloadSha is null && reader.TokenType == JsonTokenType.String:
                        payloadSha = reader.GetString();
                        break;
                    case "hash" when hash is null && reader.TokenType == JsonTokenType.String:
                        hash = reader.GetString();
                        break;
                    case "sig" when sig is null && reader.TokenType == JsonTokenType.String:
                        sig = reader.GetString();
                        break;
                    case "payload" when payload is null && reader.TokenType == JsonTokenType.String:
                        payload = reader.GetString();
                        break;
                    default:
                        error = $"field '{Shorten(name)}' is unexpected, repeated or of the wrong type";
                        return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "it has content after the JSON object";
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = "it is not valid JSON (" + Shorten(ex.Message) + ")";
            return false;
        }
        catch (InvalidOperationException ex)
        {
            error = "it is not valid JSON (" + Shorten(ex.Message) + ")";
            return false;
        }

        if (seq is null || ts is null || kind is null || prev is null || payloadSha is null || hash is null || sig is null)
        {
            error = "a required field (seq, ts, kind, prev, payload_sha256, hash, sig) is missing";
            return false;
        }

        if (!TryParseTimestamp(ts, out _) || ts.Length != 24)
        {
            error = $"ts '{Shorten(ts)}' is not a UTC timestamp yyyy-MM-ddTHH:mm:ss.fffZ";
            return false;
        }

        if (!AuditKinds.TryParse(kind, out var parsedKind))
        {
            error = $"kind '{Shorten(kind)}' is not an audit kind";
            return false;
        }

        if (!IsHash(prev) || !IsHash(payloadSha) || !IsHash(hash))
        {
            error = "prev, payload_sha256 and hash must each be 64 lower-case hex digits";
            return false;
        }

        if (sig.Length is 0 or > 200 || !Base64Pattern().IsMatch(sig))
        {
            error = "sig is not a base64 signature";
            return false;
        }

        entry = new AuditEntry(seq.Value, ts, parsedKind, prev, payloadSha, hash, sig, payload);
        error = string.Empty;
        return true;
    }

    internal static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static bool IsPlainPositiveInteger(ReadOnlySpan<byte> raw)
    {
        if (raw.Length is 0 or > 18 || raw[0] == (byte)'0')
        {
            return false;
        }

        foreach (var b in raw)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HashPattern();

    [GeneratedRegex("^[A-Za-z0-9+/]+={0,2}$")]
    private static partial Regex Base64Pattern();
}
