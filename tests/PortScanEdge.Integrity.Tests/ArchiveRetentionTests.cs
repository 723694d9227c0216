using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Integrity.Hosting;

namespace PortScanEdge.Integrity.Tests;

public class ArchiveRetentionTests
{
    private const long Mb = 1024 * 1024;
    private static readonly DateTimeOffset Now = Fixtures.Start;

    private static StoredTransaction Stored(TimeSpan ago, long sizeBytes) =>
        new(Ulid.New(Now - ago), "lane-1", Now - ago, "/archive/x", sizeBytes);

    [Fact]
    public void Select_OlderThanTheRetention_AreCutOldestFirst()
    {
        var inventory = new[] { Stored(TimeSpan.FromDays(40), Mb), Stored(TimeSpan.FromDays(31), Mb), Stored(TimeSpan.FromDays(29), Mb), Stored(TimeSpan.FromDays(1), Mb) };

        var cuts = ArchiveRetention.Select(inventory, new ArchiveRetentionPolicy(TimeSpan.FromDays(30), 0), Now);

        Assert.Equal(inventory[..2], cuts.Select(c => c.Transaction));
        Assert.All(cuts, c => Assert.Equal("audit.archive_retention_days 30", c.Reason));
    }

    [Fact]
    public void Select_ClockYearsAheadOfTheNewestVehicle_AgeCountsFromTheNewest()
    {
        var inventory = new[] { Stored(TimeSpan.FromDays(40), Mb), Stored(TimeSpan.FromDays(20), Mb), Stored(TimeSpan.FromDays(1), Mb) };

        // The clock says five years later: only what is over 30 days older than the last vehicle goes.
        var cuts = ArchiveRetention.Select(inventory, new ArchiveRetentionPolicy(TimeSpan.FromDays(30), 0), Now.AddYears(5));

        Assert.Equal([inventory[0]], cuts.Select(c => c.Transaction));
    }

    [Fact]
    public void Select_OverTheSize_CutsTheOldestUntilTheRestFits()
    {
        var inventory = new[] { Stored(TimeSpan.FromDays(3), 3 * Mb), Stored(TimeSpan.FromDays(2), 3 * Mb), Stored(TimeSpan.FromDays(1), 3 * Mb), Stored(TimeSpan.FromHours(2), 3 * Mb) };

        var cuts = ArchiveRetention.Select(inventory, new ArchiveRetentionPolicy(TimeSpan.Zero, 7 * Mb), Now);

        // 12 MB kept under 7 MB: the two oldest go (6 MB left).
        Assert.Equal(inventory[..2], cuts.Select(c => c.Transaction));
        Assert.All(cuts, c => Assert.StartsWith("audit.archive_max_gigabytes 0.007", c.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Select_EvidenceOfTheLastHour_IsNeverCutEvenOverTheLimits()
    {
        var inventory = new[] { Stored(TimeSpan.FromMinutes(50), 10 * Mb), Stored(TimeSpan.FromMinutes(5), 10 * Mb) };

        Assert.Empty(ArchiveRetention.Select(inventory, new ArchiveRetentionPolicy(TimeSpan.FromMinutes(10), Mb), Now));
        Assert.Empty(ArchiveRetention.Select([Stored(TimeSpan.FromDays(400), Mb)], new ArchiveRetentionPolicy(TimeSpan.Zero, 0), Now));
    }

    [Fact]
    public async Task Inventory_AndRemove_OldestFirstAcrossLanesAndEmptyDaysTidied()
    {
        using var dir = new TempDir();
        var archive = new TransactionArchive(dir.File("archive"));
        var old = Fixtures.Transaction(Fixtures.Start.AddDays(-3));
        var otherLane = Fixtures.Transaction(Fixtures.Start.AddDays(-2), lane: "lane-2");
        var recent = Fixtures.Transaction(Fixtures.Start);
        await archive.StoreAsync(recent, ArchiveTests.Images(dir), []);
        await archive.StoreAsync(old, ArchiveTests.Images(dir), ArchiveTests.HeatMaps());
        await archive.StoreAsync(otherLane, ArchiveTests.Images(dir), []);

        var inventory = archive.Inventory();

        Assert.Equal([old.Id, otherLane.Id, recent.Id], inventory.Select(t => t.Id));
        Assert.Equal(new DirectoryInfo(inventory[0].Directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length), inventory[0].SizeBytes);
        Assert.True(inventory[0].SizeBytes > inventory[2].SizeBytes, "the heat map counts");

        var interrupted = Path.Combine(dir.File("archive"), ".incoming", $"{Ulid.New(Fixtures.Start)}.removed.0123");
        Directory.CreateDirectory(Path.Combine(interrupted, "images"));
        archive.Remove(inventory[0]);

        Assert.Null(archive.Find(old.Id));
        Assert.False(Directory.Exists(Path.Combine(dir.File("archive"), "lane-1", "2026", "11", "26")), "empty day directory left");
        Assert.Equal([otherLane.Id, recent.Id], archive.Inventory().Select(t => t.Id));
        Assert.False(Directory.EnumerateFileSystemEntries(Path.Combine(dir.File("archive"), ".incoming")).Any());
    }

    [Fact]
    public async Task PruneOnce_OverTheRetention_AuditsThenDeletesAndTheLogStillVerifies()
    {
        using var dir = new TempDir();
        var clock = new ManualClock(Fixtures.Start);
        using var log = Fixtures.OpenLog(dir, clock);
        await log.OpenAsync();
        var archive = new TransactionArchive(dir.File("archive"));
        var recorder = new TransactionEvidenceRecorder(log, archive);
        var old = Fixtures.Transaction(Fixtures.Start.AddDays(-10));
        var kept = Fixtures.Transaction(Fixtures.Start.AddDays(-1));
        await recorder.RecordAsync(old, ArchiveTests.Images(dir), []);
        await recorder.RecordAsync(kept, ArchiveTests.Images(dir), []);
        var oldRecordSha = archive.Find(old.Id)!.RecordSha256;
        var options = new PortScanEdgeOptions { Audit = { ArchiveRetentionDays = 7 } };
        var service = new ArchiveRetentionService(archive, log, Options.Create(options), clock, NullLogger<ArchiveRetentionService>.Instance);

        Assert.Equal(1, await service.PruneOnceAsync());
        Assert.Equal(0, await service.PruneOnceAsync());

        Assert.Null(archive.Find(old.Id));
        Assert.NotNull(archive.Find(kept.Id));
        var last = File.ReadLines(dir.File("audit/audit.log")).Last();
        using var entry = JsonDocument.Parse(last);
        Assert.Equal("archive_pruned", entry.RootElement.GetProperty("kind").GetString());
        using var payload = JsonDocument.Parse(entry.RootElement.GetProperty("payload").GetString()!);
        Assert.Equal("audit.archive_retention_days 7", payload.RootElement.GetProperty("reason").GetString());
        var named = Assert.Single(payload.RootElement.GetProperty("transactions").EnumerateArray());
        Assert.Equal(old.Id, named.GetProperty("transaction_id").GetString());
        Assert.Equal(oldRecordSha, named.GetProperty("record_sha256").GetString());
        log.Dispose();
        using var key = AuditPublicKey.FromFile(dir.File("audit/gateway-key.pub.pem"));
        var verified = AuditVerifier.Verify(dir.File("audit/audit.log"), key, []);
        Assert.True(verified.Ok, verified.Message);
        Assert.Equal(3, verified.EntryCount);

        // What export tells someone asking for the deleted transaction.
        var pruning = ArchiveRetention.FindPruning(dir.File("audit/audit.log"), old.Id);
        Assert.Equal((3L, "audit.archive_retention_days 7"), (pruning!.Seq, pruning.Reason));
        Assert.Null(ArchiveRetention.FindPruning(dir.File("audit/audit.log"), kept.Id));
    }
}
