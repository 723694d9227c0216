using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Messaging.Outbox;

/// <summary>Limits of the outbox and what happens when they bite.</summary>
/// <param name="MaxMessages">Most messages kept.</param>
/// <param name="MaxBytes">Most payload bytes kept.</param>
/// <param name="MaxAge">Oldest message kept.</param>
public sealed record OutboxLimits(long MaxMessages, long MaxBytes, TimeSpan MaxAge);

/// <summary>
/// The durable outbox: a SQLite database in WAL mode with <c>synchronous=FULL</c>, so a message whose
/// <see cref="EnqueueAsync"/> has completed is on disk and survives a crash, <c>kill -9</c> or power loss.
/// <para>
/// One writer task owns the write connection and commits whatever is queued in one transaction (group commit):
/// a lone message costs one fsync; many concurrent messages share one. Each message gets its per-stream
/// sequence and its ULID inside that transaction, and the counters are stored with it, so sequences never repeat
/// or go back across restarts. The relay reads on its own connection in id order and deletes rows only after
/// their PUBACK.
/// </para>
/// <para>
/// Bound policy: when a commit leaves more than <see cref="OutboxLimits.MaxMessages"/> messages or
/// <see cref="OutboxLimits.MaxBytes"/> payload bytes, the oldest messages are deleted until both fit; messages
/// older than <see cref="OutboxLimits.MaxAge"/> are deleted by <see cref="PurgeExpiredAsync"/>. Either way the
/// drop is counted (metric <c>portscan_edge.outbox.dropped</c>, telemetry <c>outbox_dropped</c>) and logged as a
/// warning, and it shows downstream as a gap in the stream's <c>sequence</c>. Nothing is dropped silently.
/// </para>
/// </summary>
public sealed class SqliteOutbox : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _reader;
    private readonly Lock _readerGate = new();
    private readonly Channel<IWriteOperation> _operations = Channel.CreateUnbounded<IWriteOperation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private readonly OutboxLimits _limits;
    private readonly EnvelopeFactory _envelopes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MessagingMetrics _metrics;
    private readonly Task _writerTask;
    private long _depth;
    private long _bytes;
    private long _droppedByCapacity;
    private long _droppedByAge;

    private SqliteOutbox(string path, OutboxLimits limits, EnvelopeFactory envelopes, TimeProvider time, ILogger logger, MessagingMetrics metrics)
    {
        Path = path;
        _limits = limits;
        _envelopes = envelopes;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        Execute(_writer, "PRAGMA journal_mode=WAL;");
        Execute(_writer, "PRAGMA synchronous=FULL;");
        Execute(_writer, "PRAGMA busy_timeout=5000;");
        Execute(_writer, """
            CREATE TABLE IF NOT EXISTS outbox(
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              stream TEXT NOT NULL,
              sequence INTEGER NOT NULL,
              message_id TEXT NOT NULL,
              topic TEXT NOT NULL,
              payload BLOB NOT NULL,
              retain INTEGER NOT NULL,
              created_at INTEGER NOT NULL,
              expires_at INTEGER NOT NULL,
              size INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS sequences(stream TEXT PRIMARY KEY, value INTEGER NOT NULL);
            PRAGMA user_version=1;
            """);
        using (var command = _writer.CreateCommand())
        {
            command.CommandText = "SELECT stream, value FROM sequences";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                _sequences[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        using (var command = _writer.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox";
            using var reader = command.ExecuteReader();
            reader.Read();
            _depth = reader.GetInt64(0);
            _bytes = reader.GetInt64(1);
        }

        _reader = new SqliteConnection(_connectionString);
        _reader.Open();
        Execute(_reader, "PRAGMA busy_timeout=5000;");
        _writerTask = Task.Run(WriterLoopAsync);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Signalled after every commit that added messages.</summary>
    internal ChangeSignal Added { get; } = new();

    /// <summary>Messages waiting now.</summary>
    public long Depth => Interlocked.Read(ref _depth);

    /// <summary>Payload bytes waiting now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Opens (creating if needed) the outbox at <paramref name="path"/>.</summary>
    public static SqliteOutbox Open(string path, OutboxLimits limits, EnvelopeFactory envelopes, TimeProvider time, ILogger logger, MessagingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return new SqliteOutbox(path, limits, envelopes, time, logger, metrics);
    }

    /// <summary>Size and drop counters now.</summary>
    public OutboxStats Stats => new(Depth, Bytes, Interlocked.Read(ref _droppedByCapacity), Interlocked.Read(ref _droppedByAge));

    /// <summary>
    /// Commits a message: assigns its sequence and ULID, writes the envelope and fsyncs (shared with whatever
    /// else is committed at the same time). Completes only once the message is durable.
    /// </summary>
    public Task<OutboxEntry> EnqueueAsync(PendingMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var operation = new EnqueueOperation(message);
        return Submit(operation, operation.Completion.Task, cancellationToken);
    }

    /// <summary>Reserves the next sequence of a stream durably (for messages sent directly, not through the outbox).</summary>
    public Task<long> NextSequenceAsync(string stream, CancellationToken cancellationToken = default)
    {
        var operation = new ReserveOperation(stream);
        return Submit(operation, operation.Completion.Task, cancellationToken);
    }

    /// <summary>Deletes acknowledged messages.</summary>
    public Task DeleteAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return Task.CompletedTask;
        }

        var operation = new DeleteOperation([.. ids]);
        return Submit(operation, operation.Completion.Task, cancellationToken);
    }

    /// <summary>Deletes messages older than the age bound; returns how many.</summary>
    public Task<long> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var operation = new PurgeOperation(_time.GetUtcNow().ToUnixTimeMilliseconds());
        return Submit(operation, operation.Completion.Task, cancellationToken);
    }

    /// <summary>Creation time of the oldest waiting message; null when empty.</summary>
    public DateTimeOffset? OldestCreatedAt()
    {
        lock (_readerGate)
        {
            using var command = _reader.CreateCommand();
            command.CommandText = "SELECT created_at FROM outbox ORDER BY id LIMIT 1";
            var value = command.ExecuteScalar();
            return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }
    }

    /// <summary>Up to <paramref name="max"/> messages with id greater than <paramref name="afterId"/>, in id order.</summary>
    public IReadOnlyList<OutboxEntry> ReadAfter(long afterId, int max)
    {
        lock (_readerGate)
        {
            using var command = _reader.CreateCommand();
            command.CommandText = "SELECT id, stream, sequence, message_id, topic, payload, retain, created_at, expires_at FROM outbox WHERE id > $after ORDER BY id LIMIT $max";
            command.Parameters.AddWithValue("$after", afterId);
            command.Parameters.AddWithValue("$max", max);
            using var reader = command.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetInt64(2),
                    reader.GetString(3),
                    reader.GetString(4),
                    (byte[])reader.GetValue(5),
                    reader.GetInt64(6) != 0,
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
            }

            return entries;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _operations.Writer.TryComplete();
        try
        {
            await _writerTask.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SqliteException or ObjectDisposedException)
        {
            MessagingLog.OutboxFailure(_logger, ex.Message, ex);
        }

        lock (_readerGate)
        {
            _reader.Dispose();
        }

        _writer.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async Task<T> Submit<T>(IWriteOperation operation, Task<T> completion, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(!_operations.Writer.TryWrite(operation), this);

        return await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task Submit(IWriteOperation operation, Task completion, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(!_operations.Writer.TryWrite(operation), this);

        await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriterLoopAsync()
    {
        var batch = new List<IWriteOperation>(MaxBatch);
        while (await _operations.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _operations.Reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            var saved = new Dictionary<string, long>(_sequences, StringComparer.Ordinal);
            var started = Stopwatch.GetTimestamp();
            var added = false;
            try
            {
                using (var transaction = _writer.BeginTransaction())
                {
                    var context = new WriteContext(this, transaction);
                    foreach (var operation in batch)
                    {
                        operation.Apply(context);
                        added |= operation is EnqueueOperation;
                    }

                    context.FlushSequences();
                    transaction.Commit();
                }

                _metrics.Commit(Stopwatch.GetElapsedTime(started).TotalMilliseconds, durable: true);
                foreach (var operation in batch)
                {
                    operation.Committed(this);
                }
            }
            catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
            {
                _sequences.Clear();
                foreach (var (stream, value) in saved)
                {
                    _sequences[stream] = value;
                }

                MessagingLog.OutboxFailure(_logger, ex.Message, ex);
                foreach (var operation in batch)
                {
                    operation.Fail(ex);
                }

                continue;
            }

            if (added)
            {
                EnforceCapacity();
                Added.Notify();
            }

            foreach (var operation in batch)
            {
                operation.Complete();
            }
        }
    }

    private void EnforceCapacity()
    {
        if (Depth <= _limits.MaxMessages && Bytes <= _limits.MaxBytes)
        {
            return;
        }

        try
        {
            long dropped = 0, droppedBytes = 0;
            using var transaction = _writer.BeginTransaction();
            using (var select = _writer.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT id, size FROM outbox ORDER BY id LIMIT 10000";
                var ids = new List<long>();
                using (var reader = select.ExecuteReader())
                {
                    while (reader.Read() && (Depth - dropped > _limits.MaxMessages || Bytes - droppedBytes > _limits.MaxBytes))
                    {
                        ids.Add(reader.GetInt64(0));
                        dropped++;
                        droppedBytes += reader.GetInt64(1);
                    }
                }

                if (ids.Count > 0)
                {
                    using var delete = _writer.CreateCommand();
                    delete.Transaction = transaction;
                    delete.CommandText = "DELETE FROM outbox WHERE id <= $last";
                    delete.Parameters.AddWithValue("$last", ids[^1]);
                    delete.ExecuteNonQuery();
                }
            }

            transaction.Commit();
            Interlocked.Add(ref _depth, -dropped);
            Interlocked.Add(ref _bytes, -droppedBytes);
            Interlocked.Add(ref _droppedByCapacity, dropped);
            _metrics.Dropped(dropped, "capacity");
            MessagingLog.OutboxFull(_logger, dropped, _limits.MaxMessages, _limits.MaxBytes / (1024 * 1024), Interlocked.Read(ref _droppedByCapacity));
        }
        catch (SqliteException ex)
        {
            MessagingLog.OutboxFailure(_logger, ex.Message, ex);
        }
    }

    private interface IWriteOperation
    {
        void Apply(WriteContext context);

        void Committed(SqliteOutbox outbox);

        void Complete();

        void Fail(Exception exception);
    }

    private sealed class WriteContext(SqliteOutbox outbox, SqliteTransaction transaction)
    {
        private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
        private SqliteCommand? _insert;

        public SqliteOutbox Outbox => outbox;

        public SqliteTransaction Transaction => transaction;

        public long NextSequence(string stream)
        {
            var next = outbox._sequences.GetValueOrDefault(stream) + 1;
            outbox._sequences[stream] = next;
            _touched.Add(stream);
            return next;
        }

        public SqliteCommand Insert
        {
            get
            {
                if (_insert is null)
                {
                    _insert = outbox._writer.CreateCommand();
                    _insert.Transaction = transaction;
                    _insert.CommandText = """
                        INSERT INTO outbox(stream, sequence, message_id, topic, payload, retain, created_at, expires_at, size)
                        VALUES ($stream, $sequence, $message_id, $topic, $payload, $retain, $created_at, $expires_at, $size)
                        RETURNING id
                        """;
                    foreach (var name in new[] { "$stream", "$sequence", "$message_id", "$topic", "$payload", "$retain", "$created_at", "$expires_at", "$size" })
                    {
                        _insert.Parameters.Add(new SqliteParameter { ParameterName = name });
                    }
                }

                return _insert;
            }
        }

        public void FlushSequences()
        {
            _insert?.Dispose();
            if (_touched.Count == 0)
            {
                return;
            }

            using var upsert = outbox._writer.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = "INSERT INTO sequences(stream, value) VALUES ($stream, $value) ON CONFLICT(stream) DO UPDATE SET value = excluded.value";
            var stream = upsert.Parameters.Add(new SqliteParameter { ParameterName = "$stream" });
            var value = upsert.Parameters.Add(new SqliteParameter { ParameterName = "$value" });
            foreach (var name in _touched)
            {
                stream.Value = name;
                value.Value = outbox._sequences[name];
                upsert.ExecuteNonQuery();
            }
        }
    }

    private sealed class EnqueueOperation(PendingMessage message) : IWriteOperation
    {
        private OutboxEntry? _entry;

        public TaskCompletionSource<OutboxEntry> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Apply(WriteContext context)
        {
            var outbox = context.Outbox;
            var now = outbox._time.GetUtcNow();
            var sequence = context.NextSequence(message.Stream);
            var messageId = Ulid.New(now);
            var payload = outbox._envelopes.Serialize(message.Schema, message.LaneId, sequence, messageId, now, message.Data);
            var expires = now + outbox._limits.MaxAge;
            var insert = context.Insert;
            insert.Parameters[0].Value = message.Stream;
            insert.Parameters[1].Value = sequence;
            insert.Parameters[2].Value = messageId;
            insert.Parameters[3].Value = message.Topic;
            insert.Parameters[4].Value = payload;
            insert.Parameters[5].Value = message.Retain ? 1 : 0;
            insert.Parameters[6].Value = now.ToUnixTimeMilliseconds();
            insert.Parameters[7].Value = expires.ToUnixTimeMilliseconds();
            insert.Parameters[8].Value = payload.Length;
            var id = (long)insert.ExecuteScalar()!;
            _entry = new OutboxEntry(id, message.Stream, sequence, messageId, message.Topic, payload, message.Retain, now, expires);
        }

        public void Committed(SqliteOutbox outbox)
        {
            Interlocked.Increment(ref outbox._depth);
            Interlocked.Add(ref outbox._bytes, _entry!.Payload.Length);
        }

        public void Complete() => Completion.TrySetResult(_entry!);

        public void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    private sealed class ReserveOperation(string stream) : IWriteOperation
    {
        private long _sequence;

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Apply(WriteContext context) => _sequence = context.NextSequence(stream);

        public void Committed(SqliteOutbox outbox)
        {
        }

        public void Complete() => Completion.TrySetResult(_sequence);

        public void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    private sealed class DeleteOperation(long[] ids) : IWriteOperation
    {
        private long _count;
        private long _bytes;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Apply(WriteContext context)
        {
            using var delete = context.Outbox._writer.CreateCommand();
            delete.Transaction = context.Transaction;
            delete.CommandText = "DELETE FROM outbox WHERE id = $id RETURNING size";
            var id = delete.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            foreach (var value in ids)
            {
                id.Value = value;
                if (delete.ExecuteScalar() is long size)
                {
                    _count++;
                    _bytes += size;
                }
            }
        }

        public void Committed(SqliteOutbox outbox)
        {
            Interlocked.Add(ref outbox._depth, -_count);
            Interlocked.Add(ref outbox._bytes, -_bytes);
        }

        public void Complete() => Completion.TrySetResult();

        public void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    private sealed class PurgeOperation(long nowMilliseconds) : IWriteOperation
    {
        private long _count;
        private long _bytes;

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Apply(WriteContext context)
        {
            using var delete = context.Outbox._writer.CreateCommand();
            delete.Transaction = context.Transaction;
            delete.CommandText = "DELETE FROM outbox WHERE expires_at <= $now RETURNING size";
            delete.Parameters.AddWithValue("$now", nowMilliseconds);
            using var reader = delete.ExecuteReader();
            while (reader.Read())
            {
                _count++;
                _bytes += reader.GetInt64(0);
            }
        }

        public void Committed(SqliteOutbox outbox)
        {
            Interlocked.Add(ref outbox._depth, -_count);
            Interlocked.Add(ref outbox._bytes, -_bytes);
            if (_count > 0)
            {
                Interlocked.Add(ref outbox._droppedByAge, _count);
                outbox._metrics.Dropped(_count, "age");
                MessagingLog.OutboxExpired(outbox._logger, _count, outbox._limits.MaxAge.TotalHours, Interlocked.Read(ref outbox._droppedByAge));
            }

        }

        public void Complete() => Completion.TrySetResult(_count);

        public void Fail(Exception exception) => Completion.TrySetException(exception);
    }
}
