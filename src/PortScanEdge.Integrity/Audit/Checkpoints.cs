using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PortScanEdge.Integrity.Audit;

/// <summary>
/// Publishes audit checkpoints off the gateway, where a local rewrite can no longer reach them. The messaging
/// service implements it by publishing retained over MQTT; the default only logs. Called at the checkpoint
/// interval (when the head moved), at start and on shutdown. Implementations should return quickly (each call
/// is given at most <see cref="AuditCheckpointer.PublishTimeout"/>); a failure is logged and the next
/// checkpoint supersedes the missed one.
/// </summary>
public interface ICheckpointPublisher
{
    /// <summary>Publishes one checkpoint.</summary>
    Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken);
}

/// <summary>The default publisher: writes each checkpoint to the application log.</summary>
public sealed class LoggingCheckpointPublisher(ILogger<LoggingCheckpointPublisher> logger) : ICheckpointPublisher
{
    /// <inheritdoc />
    public Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var json = checkpoint.ToJson();
            Log.CheckpointLogged(logger, checkpoint.Seq, checkpoint.Hash, json);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Makes checkpoints: signs the head, appends it to the local checkpoint file (fsync'd) and hands it to every
/// <see cref="ICheckpointPublisher"/>, each isolated from the others and from the log.
/// </summary>
public sealed class AuditCheckpointer : IDisposable
{
    /// <summary>Longest a publisher may take before its publication is abandoned.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    private readonly IAuditLog _log;
    private readonly IReadOnlyList<ICheckpointPublisher> _publishers;
    private readonly string _filePath;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates a checkpointer writing to <paramref name="filePath"/>.</summary>
    public AuditCheckpointer(IAuditLog log, IEnumerable<ICheckpointPublisher> publishers, string filePath, ILogger<AuditCheckpointer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(publishers);
        _log = log;
        _publishers = publishers.ToArray();
        _filePath = filePath;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The local checkpoint file.</summary>
    public string FilePath => _filePath;

    /// <summary>The last checkpoint made; null before the first.</summary>
    public AuditCheckpoint? Last { get; private set; }

    /// <summary>
    /// Makes a checkpoint when the head moved since the last one (or always, with <paramref name="force"/>);
    /// returns it, or null when nothing was due.
    /// </summary>
    public async Task<AuditCheckpoint?> CheckpointAsync(bool force, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!force && Last is not null && Last.Seq == _log.Head.Seq)
            {
                return null;
            }

            var checkpoint = await _log.CreateCheckpointAsync(cancellationToken).ConfigureAwait(false);
            AppendToFile(checkpoint);
            Last = checkpoint;
            foreach (var publisher in _publishers)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(PublishTimeout);
                try
                {
                    await publisher.PublishAsync(checkpoint, timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Log.CheckpointPublishFailed(_logger, checkpoint.Seq, publisher.GetType().Name, ex.Message);
                }
            }

            return checkpoint;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// The earliest checkpoint in a local checkpoint file at or after entry <paramref name="seq"/> whose signature
    /// verifies with <paramref name="key"/>; null when none covers it yet.
    /// </summary>
    public static AuditCheckpoint? FindCovering(string filePath, long seq, AuditPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!File.Exists(filePath))
        {
            return null;
        }

        AuditCheckpoint? best = null;
        foreach (var checkpoint in AuditCheckpoint.ReadLines(filePath))
        {
            if (checkpoint.Seq >= seq && (best is null || checkpoint.Seq < best.Seq) && checkpoint.Verify(key, out _))
            {
                best = checkpoint;
            }
        }

        return best;
    }

    private void AppendToFile(AuditCheckpoint checkpoint)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(_filePath))!;
        Directory.CreateDirectory(directory);
        using var stream = new FileStream(_filePath, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        });
        stream.Write(System.Text.Encoding.UTF8.GetBytes(checkpoint.ToJson() + "\n"));
        stream.Flush(flushToDisk: true);
    }
}
