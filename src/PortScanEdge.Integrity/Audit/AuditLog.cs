using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Integrity.Audit;

/// <summary>The head of the chain: the last entry written.</summary>
/// <param name="Seq">Its sequence number (0 for an empty log).</param>
/// <param name="Hash">Its hash (64 zeros for an empty log).</param>
/// <param name="Timestamp">Its timestamp; null for an empty log.</param>
public sealed record AuditHead(long Seq, string Hash, string? Timestamp)
{
    /// <summary>The head of an empty log.</summary>
    public static AuditHead Empty { get; } = new(0, AuditEntryFormat.GenesisHash, null);
}

/// <summary>
/// The gateway's append-only, hash-chained, signed audit log. Thread-safe: the lane, the console and the host call
/// <see cref="AppendAsync{TPayload}"/> concurrently; entries are numbered in the order they are written.
/// </summary>
public interface IAuditLog
{
    /// <summary>The last entry written (<see cref="AuditHead.Empty"/> before the log is opened or when empty).</summary>
    AuditHead Head { get; }

    /// <summary>The key that verifies this log (opens the log if needed).</summary>
    AuditPublicKey PublicKey { get; }

    /// <summary>What start-up recovery found; null until opened.</summary>
    AuditRecovery? Recovery { get; }

    /// <summary>Opens the log (creating key and file on first start, repairing a torn tail). Idempotent; appends open it too.</summary>
    Task OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends one entry and returns it once it is on disk (written and fsync'd). <paramref name="payload"/> is
    /// serialised with <see cref="TransactionJson.Options"/> and must be a JSON object of at most
    /// <see cref="AuditEntryFormat.MaxPayloadBytes"/> bytes. Cancellation is honoured only while waiting for the
    /// writer, never half-way through a write.
    /// </summary>
    Task<AuditEntry> AppendAsync<TPayload>(AuditKind kind, TPayload payload, CancellationToken cancellationToken = default);

    /// <summary>Signs the current head as a checkpoint.</summary>
    Task<AuditCheckpoint> CreateCheckpointAsync(CancellationToken cancellationToken = default);
}

/// <summary>A log that cannot be opened or written, said plainly.</summary>
public sealed class AuditLogException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What start-up found at the end of the log.</summary>
/// <param name="TruncatedBytes">Bytes of torn tail removed (0 when the tail was clean).</param>
/// <param name="TornTailSha256">SHA-256 of the removed bytes; empty when none.</param>
/// <param name="SavedTo">Where the removed bytes were kept for inspection; empty when none.</param>
/// <param name="LastValid">The last valid entry, which is now the head before the <c>recovered</c> entry.</param>
public sealed record AuditRecovery(long TruncatedBytes, string TornTailSha256, string SavedTo, AuditHead LastValid)
{
    /// <summary>True when a torn tail was removed.</summary>
    public bool Recovered => TruncatedBytes > 0;
}

/// <summary>Where the log and key live and whose they are.</summary>
public sealed class AuditLogSettings
{
    /// <summary>The log file.</summary>
    public required string LogPath { get; init; }

    /// <summary>The signing key (PEM).</summary>
    public required string KeyPath { get; init; }

    /// <summary>Passphrase of the key; null or empty for an unencrypted (0600) key.</summary>
    public string? KeyPassphrase { get; init; }

    /// <summary>Site id (written into checkpoints).</summary>
    public required string SiteId { get; init; }

    /// <summary>Gateway id (written into checkpoints).</summary>
    public required string GatewayId { get; init; }
}

/// <inheritdoc cref="IAuditLog" />
public sealed class AuditLog : IAuditLog, IDisposable
{
    private readonly AuditLogSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _stream;
    private FileStream? _lock;
    private AuditSigningKey? _key;
    private volatile AuditHead _head = AuditHead.Empty;
    private Exception? _fault;
    private bool _disposed;

    /// <summary>Creates the log; nothing is touched on disk until it is opened.</summary>
    public AuditLog(AuditLogSettings settings, TimeProvider? timeProvider = null, ILogger<AuditLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public AuditHead Head => _head;

    /// <inheritdoc />
    public AuditRecovery? Recovery { get; private set; }

    /// <summary>True when opening created the signing key (first start).</summary>
    public bool KeyCreated { get; private set; }

    /// <summary>The settings this log was created with.</summary>
    public AuditLogSettings Settings => _settings;

    /// <inheritdoc />
    public AuditPublicKey PublicKey
    {
        get
        {
            if (_key is null)
            {
                OpenAsync().GetAwaiter().GetResult();
            }

            return _key!.PublicKey;
        }
    }

    /// <inheritdoc />
    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureOpen();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<AuditEntry> AppendAsync<TPayload>(AuditKind kind, TPayload payload, CancellationToken cancellationToken = default)
    {
        var text = JsonSerializer.Serialize(payload, TransactionJson.Options);
        if (!text.StartsWith('{'))
        {
            throw new ArgumentException("an audit payload must serialise to a JSON object", nameof(payload));
        }

        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > AuditEntryFormat.MaxPayloadBytes)
        {
            throw new ArgumentException($"the audit payload is {bytes} bytes; at most {AuditEntryFormat.MaxPayloadBytes} are allowed", nameof(payload));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureOpen();
            return AppendLocked(kind, text);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<AuditCheckpoint> CreateCheckpointAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureOpen();
            return AuditCheckpoint.Create(_settings.SiteId, _settings.GatewayId, _head, _time.GetUtcNow(), _key!);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stream?.Dispose();
        _lock?.Dispose();
        _key?.Dispose();
        _gate.Dispose();
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is not null)
        {
            throw new AuditLogException($"{_settings.LogPath}: the audit log is unavailable after a failed write: {_fault.Message}", _fault);
        }

        if (_stream is not null)
        {
            return;
        }

        var path = Path.GetFullPath(_settings.LogPath);
        var directory = Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(directory);
            _lock = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new AuditLogException($"{path}: another process is writing this audit log ({path}.lock is held): {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new AuditLogException($"{path}: cannot write the audit log directory: {ex.Message}", ex);
        }

        try
        {
            _key = AuditSigningKey.LoadOrCreate(_settings.KeyPath, _settings.KeyPassphrase);
            KeyCreated = _key.Created;
            if (_key.Created)
            {
                Log.KeyCreated(_logger, _settings.KeyPath, _key.PublicKey.Fingerprint);
            }

            var existed = File.Exists(path);
            _stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            });
            if (!existed)
            {
                DirectorySync.Fsync(directory);
            }

            var tail = AuditTail.Inspect(_stream, _key.PublicKey, path);
            _head = tail.LastValid;
            if (tail.TornLength == 0)
            {
                Recovery = new AuditRecovery(0, string.Empty, string.Empty, tail.LastValid);
                return;
            }

            Recovery = RepairTornTail(path, tail);
            Log.TornTailRecovered(_logger, path, tail.TornLength, tail.LastValid.Seq, Recovery.SavedTo);
            AppendLocked(AuditKind.Recovered, JsonSerializer.Serialize(new RecoveredPayload(
                "torn_tail", Recovery.TruncatedBytes, Recovery.TornTailSha256, Recovery.SavedTo, tail.LastValid.Seq, tail.LastValid.Hash), TransactionJson.Options));
        }
        catch
        {
            _stream?.Dispose();
            _stream = null;
            _lock?.Dispose();
            _lock = null;
            _key?.Dispose();
            _key = null;
            throw;
        }
    }

    private AuditRecovery RepairTornTail(string path, AuditTail tail)
    {
        var stream = _stream!;
        var torn = new byte[tail.TornLength];
        stream.Position = tail.TornStart;
        stream.ReadExactly(torn);
        var sha = AuditEntryFormat.Sha256Hex(torn);
        var savedTo = $"{path}.torn-{_time.GetUtcNow():yyyyMMdd'T'HHmmssfff'Z'}";
        try
        {
            using var saved = new FileStream(savedTo, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            saved.Write(torn);
            saved.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            savedTo = string.Empty; // keeping a copy is a courtesy; the recovered entry carries the hash either way
        }

        stream.SetLength(tail.TornStart);
        stream.Flush(flushToDisk: true);
        return new AuditRecovery(tail.TornLength, sha, savedTo, tail.LastValid);
    }

    private AuditEntry AppendLocked(AuditKind kind, string payloadText)
    {
        var head = _head;
        var seq = head.Seq + 1;
        var timestamp = AuditEntryFormat.FormatTimestamp(_time.GetUtcNow());
        var payloadSha = AuditEntryFormat.Sha256Hex(Encoding.UTF8.GetBytes(payloadText));
        var preimage = AuditEntryFormat.Preimage(seq, timestamp, AuditKinds.ToWord(kind), head.Hash, payloadSha);
        var entry = new AuditEntry(seq, timestamp, kind, head.Hash, payloadSha, AuditEntryFormat.Sha256Hex(preimage), _key!.Sign(preimage), payloadText);
        var line = AuditEntryFormat.FormatLine(entry);

        var stream = _stream!;
        var before = stream.Length;
        try
        {
            stream.Seek(0, SeekOrigin.End);
            stream.Write(line);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException ex)
        {
            try
            {
                // Never leave a partial line for the next entry to be chained after.
                stream.SetLength(before);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                _fault = ex;
            }

            throw new AuditLogException($"{_settings.LogPath}: writing audit entry {seq} failed: {ex.Message}", ex);
        }

        _head = new AuditHead(seq, entry.Hash, timestamp);
        return entry;
    }

    private sealed record RecoveredPayload(string Reason, long TruncatedBytes, string TornTailSha256, string SavedTo, long LastValidSeq, string LastValidHash);
}
