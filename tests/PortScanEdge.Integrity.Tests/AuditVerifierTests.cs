using System.Text;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Tests;

public sealed class AuditVerifierTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _log;
    private readonly AuditLogSettings _settings;
    private readonly List<AuditCheckpoint> _checkpoints = [];

    public AuditVerifierTests()
    {
        _settings = Fixtures.Settings(_dir);
        _log = _settings.LogPath;
        var clock = new ManualClock(Fixtures.Start);
        using var log = new AuditLog(_settings, clock);
        for (var i = 1; i <= 10; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            if (i == 1)
            {
                log.AppendAsync(AuditKind.GatewayStart, new { version = "t", public_key = log.PublicKey.Pem }).GetAwaiter().GetResult();
            }
            else
            {
                log.AppendAsync(AuditKind.Command, new { command = "c" + i, outcome = "done" }).GetAwaiter().GetResult();
            }

            if (i is 4 or 8)
            {
                _checkpoints.Add(log.CreateCheckpointAsync().GetAwaiter().GetResult());
            }
        }
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void IntactLog_Verifies_WithTheLogsOwnKeyOrTheGivenKeyAndCheckpoints()
    {
        var own = AuditVerifier.Verify(_log, null, []);
        using var key = PublicKey();
        var given = AuditVerifier.Verify(_log, key, _checkpoints);

        Assert.True(own.Ok, own.Message);
        Assert.True(own.KeyFromLog);
        Assert.True(given.Ok, given.Message);
        Assert.Equal(10, given.EntryCount);
        Assert.Equal(2, given.CheckpointsAgreeing);
        Assert.Contains("10 entries (1..10), chain intact, all signatures valid, 2 checkpoints agree", AuditVerifier.Describe(given, _log), StringComparison.Ordinal);
    }

    [Fact]
    public void ModifiedPayload_IsModifiedAtThatEntry()
    {
        EditLines(lines => lines[4] = lines[4].Replace("c5", "c9", StringComparison.Ordinal));

        AssertTampered(TamperKind.Modified, 5, "payload does not match");
    }

    [Fact]
    public void ModifiedAndRehashedEntry_IsModifiedAtThatEntry()
    {
        EditLines(lines => lines[4] = Rewrite(lines[4], e => e with { Payload = e.Payload!.Replace("c5", "c9", StringComparison.Ordinal) }, signer: null));

        AssertTampered(TamperKind.Modified, 5, "hash recomputed");
    }

    [Fact]
    public void ModifiedAndResignedEntry_IsModifiedAtThatEntry()
    {
        using var signer = AuditSigningKey.Load(_settings.KeyPath, null);
        EditLines(lines => lines[4] = Rewrite(lines[4], e => e with { Payload = e.Payload!.Replace("c5", "c9", StringComparison.Ordinal) }, signer));

        AssertTampered(TamperKind.Modified, 5, "re-signed");
    }

    [Fact]
    public void ModifiedTimestamp_IsModified()
    {
        EditLines(lines => lines[6] = lines[6].Replace("12:00:07.000Z", "11:00:07.000Z", StringComparison.Ordinal));

        AssertTampered(TamperKind.Modified, 7, "fields do not match its hash");
    }

    [Fact]
    public void DeletedEntry_IsDeleted()
    {
        EditLines(lines => lines.RemoveAt(4));

        AssertTampered(TamperKind.Deleted, 5, "entry 5 is missing");
    }

    [Fact]
    public void DeletedEntries_AtTheStart_AreDeleted()
    {
        EditLines(lines => lines.RemoveRange(0, 2));

        var result = AuditVerifier.Verify(_log, PublicKey(), []);
        Assert.Equal(TamperKind.Deleted, result.Kind);
        Assert.Equal(1, result.Seq);
        Assert.Contains("entries 1..2 are missing", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InsertedForgedEntry_IsInserted()
    {
        // A well-formed entry that links to entry 4, signed with some other key.
        using var forger = AuditSigningKey.LoadOrCreate(_dir.File("forger.pem"), null);
        EditLines(lines => lines.Insert(4, Rewrite(lines[4], e => e with { Payload = "{\"command\":\"open_barrier\"}" }, forger)));

        AssertTampered(TamperKind.Inserted, 5, "line 5 claims to be entry 5");
    }

    [Fact]
    public void InsertedEntrySignedWithTheRealKey_IsStillInserted()
    {
        using var signer = AuditSigningKey.Load(_settings.KeyPath, null);
        EditLines(lines => lines.Insert(4, Rewrite(lines[4], e => e with { Payload = "{\"command\":\"open_barrier\"}" }, signer)));

        AssertTampered(TamperKind.Inserted, 5, "both claim to be entry 5");
    }

    [Fact]
    public void ReplayedEntry_IsInserted()
    {
        EditLines(lines => lines.Insert(6, lines[2]));

        AssertTampered(TamperKind.Inserted, 3, "repeats entry 3");
    }

    [Fact]
    public void InsertedGarbageLine_IsInserted()
    {
        EditLines(lines => lines.Insert(3, "{\"note\":\"nothing happened here\"}"));

        var result = AuditVerifier.Verify(_log, PublicKey(), []);
        Assert.Equal(TamperKind.Inserted, result.Kind);
        Assert.Equal(4, result.Line);
    }

    [Fact]
    public void SwappedEntries_AreReordered()
    {
        EditLines(lines => (lines[4], lines[5]) = (lines[5], lines[4]));

        AssertTampered(TamperKind.Reordered, 6, "out of order");
    }

    [Fact]
    public void EntryMovedToTheEnd_IsReordered()
    {
        EditLines(lines =>
        {
            var moved = lines[2];
            lines.RemoveAt(2);
            lines.Add(moved);
        });

        AssertTampered(TamperKind.Reordered, 3, "is at line 10");
    }

    [Fact]
    public void TornLastLine_IsTruncated()
    {
        var bytes = File.ReadAllBytes(_log);
        File.WriteAllBytes(_log, bytes[..(bytes.Length - 40)]);

        AssertTampered(TamperKind.Truncated, 10, "incomplete");
    }

    [Fact]
    public void TruncatedAtALineBoundary_IsTruncatedAgainstACheckpoint()
    {
        EditLines(lines => lines.RemoveRange(6, 4));

        var withoutCheckpoint = AuditVerifier.Verify(_log, PublicKey(), []);
        var result = AuditVerifier.Verify(_log, PublicKey(), _checkpoints);

        Assert.True(withoutCheckpoint.Ok, "a clean cut is undetectable without an anchor");
        Assert.Equal(TamperKind.Truncated, result.Kind);
        Assert.Equal(7, result.Seq);
        Assert.Contains("entries 7..8 were removed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplacedSignature_IsBadSignature()
    {
        EditLines(lines =>
        {
            var other = Parse(lines[3]);
            lines[4] = Rewrite(lines[4], e => e with { Signature = other.Signature }, signer: null, rehash: false);
        });

        AssertTampered(TamperKind.BadSignature, 5, "intact and in place");
    }

    [Fact]
    public void WrongPublicKey_IsBadSignatureAtTheFirstEntryAndSaysWhichKeyTheLogNames()
    {
        using var other = AuditSigningKey.LoadOrCreate(_dir.File("other.pem"), null);

        var result = AuditVerifier.Verify(_log, other.PublicKey, []);

        Assert.Equal(TamperKind.BadSignature, result.Kind);
        Assert.Equal(1, result.Seq);
        Assert.Contains("the log names key", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsistentlyRewrittenTail_PassesTheChainButNotThePublishedCheckpoint()
    {
        // The worst case: someone with the gateway's key rewrites entry 6 and re-chains and re-signs everything after.
        using var signer = AuditSigningKey.Load(_settings.KeyPath, null);
        EditLines(lines =>
        {
            var prev = Parse(lines[4]).Hash;
            for (var i = 5; i < lines.Count; i++)
            {
                var previousHash = prev;
                lines[i] = Rewrite(lines[i], e => e with
                {
                    Prev = previousHash,
                    Payload = i == 5 ? e.Payload!.Replace("done", "rejected", StringComparison.Ordinal) : e.Payload,
                }, signer);
                prev = Parse(lines[i]).Hash;
            }
        });

        var chainOnly = AuditVerifier.Verify(_log, PublicKey(), [_checkpoints[0]]);
        var result = AuditVerifier.Verify(_log, PublicKey(), _checkpoints);

        Assert.True(chainOnly.Ok, chainOnly.Message);
        Assert.Equal(TamperKind.CheckpointMismatch, result.Kind);
        Assert.Equal(8, result.Seq);
        Assert.Contains("after entry 4, which the checkpoint at entry 4", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForgedCheckpoint_IsBadSignature()
    {
        var forged = _checkpoints[1] with { Hash = new string('0', 64) };

        var result = AuditVerifier.Verify(_log, PublicKey(), [forged]);

        Assert.Equal(TamperKind.BadSignature, result.Kind);
        Assert.Contains("checkpoint at entry 8", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemovedPayload_IsModified()
    {
        EditLines(lines => lines[2] = Rewrite(lines[2], e => e.Redacted(), signer: null, rehash: false));

        AssertTampered(TamperKind.Modified, 3, "payload removed");
    }

    [Fact]
    public void OverlongLine_IsReportedNotLoaded()
    {
        EditLines(lines => lines[1] = new string('x', AuditEntryFormat.MaxLineBytes + 10));

        var result = AuditVerifier.Verify(_log, PublicKey(), []);

        Assert.Equal(TamperKind.Modified, result.Kind);
        Assert.Contains("longer than", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoKeyAnywhere_SaysSo()
    {
        EditLines(lines => lines.RemoveAt(0));

        var result = AuditVerifier.Verify(_log, null, []);

        Assert.False(result.Ok);
        Assert.Null(result.Kind);
        Assert.Contains("pass the gateway's public key", result.Message, StringComparison.Ordinal);
    }

    private AuditPublicKey PublicKey() => AuditPublicKey.FromFile(AuditSigningKey.PublicKeyPath(_settings.KeyPath));

    private void AssertTampered(TamperKind kind, long seq, string detail)
    {
        using var key = PublicKey();
        var result = AuditVerifier.Verify(_log, key, _checkpoints);
        Assert.False(result.Ok);
        Assert.True(kind == result.Kind, $"expected {kind}, got {result.Kind}: {result.Message}");
        Assert.True(seq == result.Seq, $"expected entry {seq}, got {result.Seq}: {result.Message}");
        Assert.Contains(detail, result.Message, StringComparison.Ordinal);
        Assert.StartsWith($"TAMPERED: {_log}: {AuditVerificationResult.Word(kind)} at entry {seq}", AuditVerifier.Describe(result, _log), StringComparison.Ordinal);
    }

    private void EditLines(Action<List<string>> edit)
    {
        var lines = File.ReadAllLines(_log).ToList();
        edit(lines);
        File.WriteAllText(_log, string.Concat(lines.Select(l => l + "\n")));
    }

    private static AuditEntry Parse(string line) =>
        AuditEntryFormat.TryParse(Encoding.UTF8.GetBytes(line), out var entry, out var error) ? entry! : throw new InvalidOperationException(error);

    /// <summary>Changes an entry; recomputes payload hash and hash (unless told not to) and re-signs with <paramref name="signer"/> if given.</summary>
    private static string Rewrite(string line, Func<AuditEntry, AuditEntry> change, AuditSigningKey? signer, bool rehash = true)
    {
        var entry = change(Parse(line));
        if (rehash)
        {
            entry = entry with { PayloadSha256 = AuditEntryFormat.Sha256Hex(Encoding.UTF8.GetBytes(entry.Payload!)) };
            entry = entry with { Hash = AuditEntryFormat.Sha256Hex(entry.Preimage()) };
        }

        if (signer is not null)
        {
            entry = entry with { Signature = signer.Sign(entry.Preimage()) };
        }

        return Encoding.UTF8.GetString(AuditEntryFormat.FormatLine(entry)).TrimEnd('\n');
    }
}
