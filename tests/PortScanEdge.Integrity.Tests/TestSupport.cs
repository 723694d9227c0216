using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Tests;

/// <summary>A temporary directory deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "portscan-integrity-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A clock tests move by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

internal static class Fixtures
{
    public static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    public static AuditLogSettings Settings(TempDir dir, string? passphrase = null) => new()
    {
        LogPath = dir.File("audit/audit.log"),
        KeyPath = dir.File("audit/gateway-key.pem"),
        KeyPassphrase = passphrase,
        SiteId = "demo-port",
        GatewayId = "gw-1",
    };

    public static AuditLog OpenLog(TempDir dir, ManualClock? clock = null) => new(Settings(dir), clock ?? new ManualClock(Start));

    /// <summary>Writes a log of <paramref name="count"/> entries of mixed kinds and returns the settings.</summary>
    public static async Task<AuditLogSettings> WriteLogAsync(TempDir dir, int count)
    {
        var clock = new ManualClock(Start);
        using var log = new AuditLog(Settings(dir), clock);
        for (var i = 1; i <= count; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            if (i == 1)
            {
                await log.AppendAsync(AuditKind.GatewayStart, new { version = "test", public_key = log.PublicKey.Pem, key_fingerprint = log.PublicKey.Fingerprint });
            }
            else
            {
                await log.AppendDeviceFaultAsync("scanner-1", "lane-1", "timeout", $"fault {i}");
            }
        }

        return Settings(dir);
    }

    public static VehicleTransaction Transaction(DateTimeOffset at, string lane = "lane-1", double score = 0.87, DecisionAction action = DecisionAction.Refer)
    {
        var id = Ulid.New(at);
        return new VehicleTransaction
        {
            Id = id,
            SiteId = "demo-port",
            GatewayId = "gw-1",
            LaneId = lane,
            Direction = LaneDirection.Northbound,
            Revision = 7,
            Stage = TransactionStage.Closed,
            Timestamps = new TransactionTimestamps { ArrivedAt = at, AnalysedAt = at.AddSeconds(20), DecidedAt = at.AddSeconds(40), ClosedAt = at.AddSeconds(60) },
            PlateReads = [new PlateReadRecord("plate-1", PlateReaderPosition.Rear, at, [new PlateCandidateRecord("MSCU1234565", 0.9, true, true)])],
            Scan = new ScanRecord("scanner-1", "dual", [
                new ScanImageRecord("scan-high.png", Sha(ImageBytes("high")), ImageBytes("high").Length, 64, 32, 16, "high"),
                new ScanImageRecord("scan-low.png", Sha(ImageBytes("low")), ImageBytes("low").Length, 64, 32, 16, "low"),
            ]),
            Analysis = new AnalysisRecord(score, 0.5, score >= 0.5 ? Verdict.Alert : Verdict.Clear, [new RegionRecord(1, 2, 3, 4, 0.9, 12)],
                new ModelIdentity("xray-anomaly", "1.2.0", new string('a', 64)), new Dictionary<string, double> { ["infer"] = 12.5 }),
            ReferralReasons = [ReferralReason.AnomalyAlert],
            Decision = new DecisionRecord(action, "op-7", at.AddSeconds(40), "dense mass behind the cab", false, null),
            Outcome = action == DecisionAction.Refer ? TransactionOutcome.Referred : TransactionOutcome.Released,
        };
    }

    public static byte[] ImageBytes(string which) => System.Text.Encoding.ASCII.GetBytes($"fake 16-bit radiograph ({which}) " + new string('x', 200));

    public static string Sha(byte[] bytes) => AuditEntryFormat.Sha256Hex(bytes);
}

/// <summary>A minimal independent check of a log: every line parses, hashes, links and verifies with the public key beside the key file.</summary>
internal static class Chain
{
    public static int Check(string logPath)
    {
        using var key = AuditPublicKey.FromFile(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(logPath)!, "gateway-key.pub.pem"));
        var prev = AuditEntryFormat.GenesisHash;
        var count = 0;
        foreach (var line in System.IO.File.ReadAllLines(logPath))
        {
            Assert.True(AuditEntryFormat.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out var entry, out var error), error);
            count++;
            Assert.Equal(count, entry!.Seq);
            Assert.Equal(prev, entry.Prev);
            Assert.True(entry.IsSelfConsistent(out var problem), problem);
            Assert.True(key.Verify(entry.Preimage(), entry.Signature));
            prev = entry.Hash;
        }

        return count;
    }
}
