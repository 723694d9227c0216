using System.Globalization;
using System.Text.Json;

namespace PortScanEdge.Integrity.Audit;

/// <summary>The kinds of tampering <see cref="AuditVerifier"/> names.</summary>
public enum TamperKind
{
    /// <summary>An entry's content was changed (whether or not its hash was recomputed), or a line is not an entry.</summary>
    Modified,

    /// <summary>Entries are missing from the middle (or the start) of the log.</summary>
    Deleted,

    /// <summary>An entry that is not part of the chain was added.</summary>
    Inserted,

    /// <summary>Entries are all there but out of order.</summary>
    Reordered,

    /// <summary>The end of the log is missing: a torn last line, or fewer entries than a published checkpoint covers.</summary>
    Truncated,

    /// <summary>An entry (or checkpoint) is intact and in place but its signature does not verify with the key.</summary>
    BadSignature,

    /// <summary>The log disagrees with a published checkpoint: entries up to it were rewritten consistently.</summary>
    CheckpointMismatch,
}

/// <summary>The verdict on a log (or a bundle's proof segment).</summary>
/// <param name="Ok">True when intact.</param>
/// <param name="Kind">The tampering found; null when intact or when verification could not run.</param>
/// <param name="Seq">The first bad entry's sequence number (or the missing one's).</param>
/// <param name="Line">The line where it was found.</param>
/// <param name="Message">One line for a person: what is wrong and where, or what was checked.</param>
/// <param name="EntryCount">Entries verified before stopping (all of them when intact).</param>
/// <param name="Head">The last verified entry.</param>
/// <param name="KeyFingerprint">The key signatures were checked with.</param>
/// <param name="KeyFromLog">True when the key was taken from the log itself rather than given.</param>
/// <param name="CheckpointsAgreeing">Checkpoints that verified and agreed.</param>
public sealed record AuditVerificationResult(
    bool Ok, TamperKind? Kind, long? Seq, long? Line, string Message, long EntryCount, AuditHead Head, string KeyFingerprint, bool KeyFromLog, int CheckpointsAgreeing)
{
    /// <summary>The kind as written in messages (e.g. <c>bad signature</c>).</summary>
    public static string Word(TamperKind kind) => kind switch
    {
        TamperKind.BadSignature => "bad signature",
        TamperKind.CheckpointMismatch => "checkpoint mismatch",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// Verifies an audit log: every line an entry, every hash recomputed, every entry linked to the previous one and
/// numbered in order, every signature valid, and agreement with every published checkpoint given. Stops at the
/// first problem and names the entry and the kind of tampering. Reads with bounded memory whatever the file size.
/// </summary>
public static class AuditVerifier
{
    /// <summary>Lines searched for the key the log names when none is given.</summary>
    public const int KeySearchLines = 1000;

    /// <summary>Verifies a log file. <paramref name="key"/> null: use the key the log names in its first gateway_start entry.</summary>
    public static AuditVerificationResult Verify(string logPath, AuditPublicKey? key, IReadOnlyList<AuditCheckpoint> checkpoints)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        AuditPublicKey? named = null;
        try
        {
            using (var search = Open(logPath))
            {
                named = FindNamedKey(search);
            }

            var verifying = key ?? named;
            if (verifying is null)
            {
                return new AuditVerificationResult(false, null, null, null,
                    "no --public-key was given and the log does not name its key (no gateway_start entry with public_key in its first " +
                    $"{KeySearchLines} lines); pass the gateway's public key", 0, AuditHead.Empty, string.Empty, false, 0);
            }

            using var stream = Open(logPath);
            var walk = new ChainWalk(new BoundedLineReader(stream, AuditEntryFormat.MaxLineBytes).ReadAll(), verifying, allowRedacted: false, start: null,
                named is not null && named.Fingerprint != verifying.Fingerprint ? named.Fingerprint : null);
            return walk.Run(checkpoints, keyFromLog: key is null);
        }
        finally
        {
            named?.Dispose();
        }
    }

    /// <summary>
    /// Verifies a contiguous segment of entries (a review bundle's proof): it starts wherever its first entry
    /// says, may carry redacted entries, and must end at <paramref name="checkpoint"/>.
    /// </summary>
    public static AuditVerificationResult VerifySegment(Stream lines, AuditPublicKey key, AuditCheckpoint checkpoint, Action<AuditEntry>? onEntry = null, long maxEntries = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var walk = new ChainWalk(new BoundedLineReader(lines, AuditEntryFormat.MaxLineBytes).ReadAll(), key, allowRedacted: true, start: Start.FromFirstEntry, null) { OnEntry = onEntry, MaxEntries = maxEntries };
        var result = walk.Run([checkpoint], keyFromLog: false);
        if (result.Ok && result.Head.Seq != checkpoint.Seq)
        {
            return result with
            {
                Ok = false,
                Kind = TamperKind.Truncated,
                Seq = result.Head.Seq + 1,
                Message = $"the proof ends at entry {result.Head.Seq}, not at the checkpoint's entry {checkpoint.Seq}",
            };
        }

        return result;
    }

    private static FileStream Open(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    private static AuditPublicKey? FindNamedKey(Stream stream)
    {
        foreach (var raw in new BoundedLineReader(stream, AuditEntryFormat.MaxLineBytes).ReadAll().Take(KeySearchLines))
        {
            if (raw.TooLong || !AuditEntryFormat.TryParse(raw.Bytes, out var entry, out _) || entry!.Kind != AuditKind.GatewayStart)
            {
                continue;
            }

            var pem = entry.PayloadString("public_key");
            if (pem is null)
            {
                continue;
            }

            try
            {
                return AuditPublicKey.FromPem(pem);
            }
            catch (AuditKeyException)
            {
                // keep looking
            }
        }

        return null;
    }

    internal enum Start
    {
        FromFirstEntry,
    }

    private sealed class ChainWalk(IEnumerable<RawLine> source, AuditPublicKey key, bool allowRedacted, Start? start, string? loggedFingerprint)
    {
        private readonly IEnumerator<RawLine> _lines = source.GetEnumerator();
        private readonly List<RawLine> _peeked = [];
        private long _expected = 1;
        private string _prevHash = AuditEntryFormat.GenesisHash;
        private AuditEntry? _prevEntry;
        private long _prevLine;
        private long _count;
        private AuditHead _head = AuditHead.Empty;
        private readonly Dictionary<long, (string Hash, long Line)> _hashAt = [];
        private HashSet<long> _wanted = [];

        public Action<AuditEntry>? OnEntry { get; init; }

        public long MaxEntries { get; init; } = long.MaxValue;

        public AuditVerificationResult Run(IReadOnlyList<AuditCheckpoint> checkpoints, bool keyFromLog)
        {
            _wanted = checkpoints.Select(c => c.Seq).ToHashSet();
            var failure = Walk();
            if (failure is not null)
            {
                return failure with { KeyFromLog = keyFromLog };
            }

            var agreeing = 0;
            AuditCheckpoint? lastAgreeing = null;
            foreach (var checkpoint in checkpoints.OrderBy(c => c.Seq))
            {
                if (!checkpoint.Verify(key, out var problem))
                {
                    return Fail(TamperKind.BadSignature, null, null, $"the {checkpoint} cannot be trusted: {problem}") with { KeyFromLog = keyFromLog };
                }

                if (checkpoint.Seq > _head.Seq)
                {
                    return Fail(TamperKind.Truncated, _head.Seq + 1, null,
                        $"the log ends at entry {_head.Seq} but the {checkpoint} covers entry {checkpoint.Seq}: " +
                        $"entries {_head.Seq + 1}..{checkpoint.Seq} were removed") with { KeyFromLog = keyFromLog };
                }

                var actual = checkpoint.Seq == 0 ? (AuditEntryFormat.GenesisHash, 0L) : _hashAt[checkpoint.Seq];
                if (actual.Item1 != checkpoint.Hash)
                {
                    var since = lastAgreeing is null ? "the start of the log" : $"entry {lastAgreeing.Seq}, which the {lastAgreeing} confirms";
                    return Fail(TamperKind.CheckpointMismatch, checkpoint.Seq, actual.Item2,
                        $"entry {checkpoint.Seq} has hash {actual.Item1[..16]}… but the {checkpoint} says {checkpoint.Hash[..16]}…: " +
                        $"the log was rewritten after that checkpoint was published, somewhere after {since} and up to entry {checkpoint.Seq}, " +
                        "and its chain and signatures were recomputed to hide it") with { KeyFromLog = keyFromLog };
                }

                agreeing++;
                lastAgreeing = checkpoint;
            }

            var message = _count == 0 && start is null
                ? "the log is empty"
                : $"{_count} entr{(_count == 1 ? "y" : "ies")} ({FirstSeq()}..{_head.Seq}), chain intact, all signatures valid" +
                  (checkpoints.Count > 0 ? $", {agreeing} checkpoint{(agreeing == 1 ? string.Empty : "s")} agree" : ", no checkpoint given");
            return new AuditVerificationResult(true, null, null, null, message, _count, _head, key.Fingerprint, keyFromLog, agreeing);
        }

        private long FirstSeq() => _head.Seq - _count + 1;

        private AuditVerificationResult? Walk()
        {
            while (Next() is { } raw)
            {
                if (_count >= MaxEntries)
                {
                    return Fail(TamperKind.Inserted, null, raw.Number, $"more than {MaxEntries} entries; not accepted");
                }

                if (!TryEntry(raw, out var entry, out var error))
                {
                    if (!raw.Terminated && Peek(0) is null)
                    {
                        return Fail(TamperKind.Truncated, _expected, raw.Number,
                            $"line {raw.Number} is incomplete (no line feed): the log was cut mid-entry, as a crash mid-write leaves it " +
                            "(start-up truncates such a torn tail and records a 'recovered' entry)");
                    }

                    if (NextContinuesChain())
                    {
                        return Fail(TamperKind.Inserted, null, raw.Number, $"line {raw.Number} was inserted: it is not an audit entry ({error}) and the chain continues after it as if it were not there");
                    }

                    return Fail(TamperKind.Modified, _expected, raw.Number, $"line {raw.Number} (where entry {_expected} should be) is not an audit entry: {error}");
                }

                if (!raw.Terminated && Peek(0) is null)
                {
                    return Fail(TamperKind.Truncated, entry!.Seq, raw.Number, $"line {raw.Number} has no line feed: the log was cut at its very end (a torn write)");
                }

                var problem = Check(entry!, raw);
                if (problem is not null)
                {
                    return problem;
                }

                Accept(entry!, raw);
            }

            return null;
        }

        private AuditVerificationResult? Check(AuditEntry x, RawLine raw)
        {
            if (start == Start.FromFirstEntry && _count == 0)
            {
                _expected = x.Seq;
                _prevHash = x.Prev;
            }

            if (x.Payload is null && !allowRedacted)
            {
                return Fail(TamperKind.Modified, x.Seq, raw.Number, $"entry {x.Seq} (line {raw.Number}) has had its payload removed");
            }

            if (!x.IsSelfConsistent(out var inconsistency))
            {
                if (NextContinuesChain())
                {
                    return Fail(TamperKind.Inserted, x.Seq, raw.Number, $"line {raw.Number} was inserted: {inconsistency}, and the chain continues after it as if it were not there");
                }

                return Fail(TamperKind.Modified, x.Seq, raw.Number, $"entry {x.Seq} (line {raw.Number}) was modified: {inconsistency}");
            }

            var linked = x.Seq == _expected && x.Prev == _prevHash;
            var signed = key.Verify(x.Preimage(), x.Signature);
            if (linked && signed)
            {
                return null;
            }

            var next = PeekEntry(0);
            var nextContinues = next is not null && next.Seq == _expected && next.Prev == _prevHash;
            if (linked)
            {
                if (nextContinues)
                {
                    return Fail(TamperKind.Inserted, x.Seq, raw.Number,
                        $"line {raw.Number} claims to be entry {x.Seq} but is not signed by the gateway's key; the genuine entry {x.Seq} follows at line {raw.Number + 1}");
                }

                if (next is not null && next.Seq == x.Seq + 1 && next.Prev != x.Hash)
                {
                    return Fail(TamperKind.Modified, x.Seq, raw.Number,
                        $"entry {x.Seq} (line {raw.Number}) was modified and its hash recomputed: its signature no longer verifies and entry {next.Seq} still records its original hash");
                }

                var hint = loggedFingerprint is not null ? $" (the log names key {loggedFingerprint[..16]}…, not the given key {key.Fingerprint[..16]}…)" : string.Empty;
                return Fail(TamperKind.BadSignature, x.Seq, raw.Number, $"entry {x.Seq} (line {raw.Number}) is intact and in place but its signature does not verify with key {key.Fingerprint[..16]}…{hint}");
            }

            if (x.Seq == _expected)
            {
                if (nextContinues)
                {
                    return Fail(TamperKind.Inserted, x.Seq, raw.Number, $"line {raw.Number} was inserted: it claims to be entry {x.Seq} but does not link to entry {_expected - 1}, and the genuine entry {x.Seq} follows at line {raw.Number + 1}");
                }

                if (signed && _prevEntry is not null)
                {
                    return Fail(TamperKind.Modified, _prevEntry.Seq, _prevLine,
                        $"entry {_prevEntry.Seq} (line {_prevLine}) was modified and re-signed: its hash no longer matches the one entry {x.Seq} (line {raw.Number}) records");
                }

                return Fail(TamperKind.Modified, x.Seq, raw.Number, $"entry {x.Seq} (line {raw.Number}) was modified: it does not link to the entry before it and its signature does not verify");
            }

            if (x.Seq < _expected)
            {
                if (_prevEntry is not null && x.Seq == _prevEntry.Seq && x.Prev == _prevEntry.Prev && next is not null && next.Seq == _expected && next.Prev == x.Hash)
                {
                    return Fail(TamperKind.Inserted, _prevEntry.Seq, _prevLine,
                        $"line {_prevLine} was inserted: it and line {raw.Number} both claim to be entry {x.Seq}, and the chain continues from line {raw.Number}");
                }

                return Fail(TamperKind.Inserted, x.Seq, raw.Number, $"line {raw.Number} was inserted: it repeats entry {x.Seq}, which the log already had before line {raw.Number}");
            }

            // x.Seq > expected: deleted, moved, or inserted ahead of its place.
            var (expectedAt, duplicateAt) = ScanAhead(_expected, x.Seq);
            if (duplicateAt is not null)
            {
                return Fail(TamperKind.Inserted, x.Seq, raw.Number, $"line {raw.Number} was inserted: it claims to be entry {x.Seq}, which appears again at line {duplicateAt}");
            }

            if (nextContinues)
            {
                return Fail(TamperKind.Reordered, x.Seq, raw.Number, $"entry {x.Seq} is out of order: it is at line {raw.Number}, before entry {_expected} (line {raw.Number + 1})");
            }

            if (expectedAt is not null)
            {
                return Fail(TamperKind.Reordered, _expected, raw.Number, $"entry {_expected} is out of order: it should be at line {raw.Number} but is at line {expectedAt}, after entry {x.Seq}");
            }

            var missing = x.Seq - 1 == _expected
                ? $"entry {_expected} is missing"
                : $"entries {_expected}..{x.Seq - 1} are missing";
            return Fail(TamperKind.Deleted, _expected, raw.Number, $"{missing}: line {raw.Number} holds entry {x.Seq} where entry {_expected} should be");
        }

        private void Accept(AuditEntry entry, RawLine raw)
        {
            _prevHash = entry.Hash;
            _prevEntry = entry;
            _prevLine = raw.Number;
            _expected = entry.Seq + 1;
            _count++;
            _head = new AuditHead(entry.Seq, entry.Hash, entry.Timestamp);
            OnEntry?.Invoke(entry);
            if (_wanted.Contains(entry.Seq))
            {
                _hashAt[entry.Seq] = (entry.Hash, raw.Number);
            }
        }

        private bool NextContinuesChain()
        {
            var next = PeekEntry(0);
            return next is not null && next.Seq == _expected && next.Prev == _prevHash;
        }

        /// <summary>
        /// Reads the rest of the log for the line holding entry <paramref name="expected"/> and for another line
        /// claiming <paramref name="seq"/>. Consumes the lines it reads (only the next one stays peeked): it is
        /// called once, just before the walk stops.
        /// </summary>
        private (long? ExpectedAt, long? DuplicateAt) ScanAhead(long expected, long seq)
        {
            long? expectedAt = null, duplicateAt = null;
            void Consider(RawLine raw)
            {
                if (TryEntry(raw, out var entry, out _))
                {
                    if (entry!.Seq == expected)
                    {
                        expectedAt ??= raw.Number;
                    }

                    if (entry.Seq == seq)
                    {
                        duplicateAt ??= raw.Number;
                    }
                }
            }

            foreach (var peeked in _peeked)
            {
                Consider(peeked);
            }

            while ((expectedAt is null || duplicateAt is null) && _lines.MoveNext())
            {
                Consider(_lines.Current);
            }

            return (expectedAt, duplicateAt);
        }

        private RawLine? Next()
        {
            if (_peeked.Count > 0)
            {
                var line = _peeked[0];
                _peeked.RemoveAt(0);
                return line;
            }

            return _lines.MoveNext() ? _lines.Current : null;
        }

        private RawLine? Peek(int index)
        {
            while (_peeked.Count <= index)
            {
                if (!_lines.MoveNext())
                {
                    return null;
                }

                _peeked.Add(_lines.Current);
            }

            return _peeked[index];
        }

        private AuditEntry? PeekEntry(int index) =>
            Peek(index) is { } raw && TryEntry(raw, out var entry, out _) ? entry : null;

        private static bool TryEntry(RawLine raw, out AuditEntry? entry, out string error)
        {
            if (raw.TooLong)
            {
                entry = null;
                error = $"the line is longer than {AuditEntryFormat.MaxLineBytes} bytes";
                return false;
            }

            return AuditEntryFormat.TryParse(raw.Bytes, out entry, out error);
        }

        private AuditVerificationResult Fail(TamperKind kind, long? seq, long? line, string message) =>
            new(false, kind, seq, line, message, _count, _head, key.Fingerprint, false, 0);
    }

    /// <summary>Formats a result as the CLI prints it.</summary>
    public static string Describe(AuditVerificationResult result, string logPath)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Ok)
        {
            return $"OK: {logPath}: {result.Message}; key {result.KeyFingerprint}" +
                   (result.KeyFromLog ? " (taken from the log itself: pass --public-key with the gateway's published key to rule out a wholesale forgery)" : string.Empty);
        }

        if (result.Kind is not { } kind)
        {
            return $"FAILED: {logPath}: {result.Message}";
        }

        var where = result.Seq is { } seq ? $"entry {seq.ToString(CultureInfo.InvariantCulture)}" : "the log";
        if (result.Line is { } line)
        {
            where += $" (line {line.ToString(CultureInfo.InvariantCulture)})";
        }

        return $"TAMPERED: {logPath}: {AuditVerificationResult.Word(kind)} at {where}: {result.Message}";
    }

    /// <summary>Reads the JSON of a <c>--checkpoint</c> argument (a file).</summary>
    public static IReadOnlyList<AuditCheckpoint> ReadCheckpoints(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var result = new List<AuditCheckpoint>();
        foreach (var path in paths)
        {
            result.AddRange(AuditCheckpoint.ReadFile(path));
        }

        return result;
    }

    internal static JsonDocumentOptions JsonOptions { get; } = new() { MaxDepth = 32 };
}
