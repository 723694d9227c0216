namespace PortScanEdge.Integrity.Audit;

/// <summary>
/// Start-up inspection of the end of the log. A torn tail — bytes after the last line feed, as left by a crash
/// mid-write (a partial line, or zeros where the file system had not written the data) — is reported for repair.
/// Anything else wrong with the last complete entry is not a torn write and stops the start.
/// </summary>
internal sealed record AuditTail(long TornStart, long TornLength, AuditHead LastValid)
{
    public static AuditTail Inspect(FileStream stream, AuditPublicKey key, string path)
    {
        var length = stream.Length;
        if (length == 0)
        {
            return new AuditTail(0, 0, AuditHead.Empty);
        }

        // The last complete line and a torn remainder each fit in MaxLineBytes (+ the line feed).
        var windowLength = (int)Math.Min(length, 2L * (AuditEntryFormat.MaxLineBytes + 1));
        var windowStart = length - windowLength;
        var window = new byte[windowLength];
        stream.Position = windowStart;
        stream.ReadExactly(window);
        var coversStart = windowStart == 0;

        var lastFeed = Array.LastIndexOf(window, (byte)'\n');
        if (lastFeed < 0)
        {
            if (coversStart)
            {
                return new AuditTail(0, length, AuditHead.Empty); // not even the first line was completed
            }

            throw Damaged(path, $"the last {windowLength} bytes contain no line feed");
        }

        var tornStart = windowStart + lastFeed + 1;
        var previousFeed = lastFeed == 0 ? -1 : Array.LastIndexOf(window, (byte)'\n', lastFeed - 1);
        if (previousFeed < 0 && !coversStart)
        {
            throw Damaged(path, $"the last complete line is longer than {AuditEntryFormat.MaxLineBytes} bytes");
        }

        var line = window.AsSpan(previousFeed + 1, lastFeed - previousFeed - 1);
        var offset = windowStart + previousFeed + 1;
        if (!AuditEntryFormat.TryParse(line, out var entry, out var error))
        {
            throw Damaged(path, $"the last complete line (byte offset {offset}) is not an audit entry: {error}");
        }

        if (!entry!.IsSelfConsistent(out var problem))
        {
            throw Damaged(path, $"the last complete entry {entry.Seq} (byte offset {offset}) was modified: {problem}");
        }

        if (!key.Verify(entry.Preimage(), entry.Signature))
        {
            throw new AuditLogException(
                $"{path}: the last entry {entry.Seq} is not signed by the audit key (fingerprint {key.Fingerprint}); " +
                "the key file was replaced or the entry forged. Restore the original key, or move the log aside, " +
                "and check it with 'portscan-edge audit verify'. Nothing was written.");
        }

        return new AuditTail(tornStart, length - tornStart, new AuditHead(entry.Seq, entry.Hash, entry.Timestamp));
    }

    private static AuditLogException Damaged(string path, string detail) => new(
        $"{path}: the audit log is damaged, not merely torn by a crash: {detail}. Nothing was written or truncated; " +
        "check it with 'portscan-edge audit verify' and move it aside to start a new log.");
}
