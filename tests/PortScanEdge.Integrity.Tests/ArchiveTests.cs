using PortScanEdge.Core.Transactions;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Tests;

public class ArchiveTests
{
    internal static IReadOnlyList<EvidenceSource> Images(TempDir dir)
    {
        File.WriteAllBytes(dir.File("spool-high.png"), Fixtures.ImageBytes("high"));
        return [EvidenceSource.FromFile("scan-high.png", dir.File("spool-high.png")), EvidenceSource.FromBytes("scan-low.png", Fixtures.ImageBytes("low"))];
    }

    internal static IReadOnlyList<EvidenceSource> HeatMaps() => [EvidenceSource.FromBytes("heatmap.png", "\x89PNG fake heat map"u8.ToArray())];

    [Fact]
    public async Task Store_WritesRecordImagesAndHeatMaps_FindableByIdLaneAndTime()
    {
        using var dir = new TempDir();
        var archive = new TransactionArchive(dir.File("archive"));
        var first = Fixtures.Transaction(Fixtures.Start);
        var second = Fixtures.Transaction(Fixtures.Start.AddHours(2), lane: "lane-2");
        var third = Fixtures.Transaction(Fixtures.Start.AddDays(1));

        var stored = await archive.StoreAsync(first, Images(dir), HeatMaps());
        await archive.StoreAsync(second, Images(dir), []);
        await archive.StoreAsync(third, Images(dir), []);

        Assert.Empty(stored.Problems);
        Assert.Equal(Path.Combine(dir.File("archive"), "lane-1", "2026", "11", "29", first.Id), stored.Directory);
        Assert.Equal(TransactionJson.SerializeToUtf8Bytes(first), File.ReadAllBytes(stored.RecordPath));
        Assert.Equal(Fixtures.Sha(File.ReadAllBytes(stored.RecordPath)), stored.RecordSha256);
        Assert.Equal(Fixtures.ImageBytes("high"), File.ReadAllBytes(stored.ImagePath("scan-high.png")));
        Assert.Equal(first.Scan!.Images[0].Sha256, stored.Images[0].Sha256);
        Assert.True(File.Exists(stored.HeatMapPath("heatmap.png")));

        var found = archive.Find(first.Id)!;
        Assert.Equal((stored.Id, stored.Directory, stored.RecordSha256), (found.Id, found.Directory, found.RecordSha256));
        Assert.Equal(stored.Images, found.Images);
        Assert.Equal(stored.HeatMaps, found.HeatMaps);
        Assert.Null(archive.Find(Ulid.New(Fixtures.Start)));
        Assert.Null(archive.Find("../../etc/passwd"));
        Assert.Equal([first.Id, third.Id], archive.Query("lane-1", null, null).Select(a => a.Id));
        Assert.Equal([first.Id, second.Id], archive.Query(null, Fixtures.Start, Fixtures.Start.AddHours(3)).Select(a => a.Id));
        Assert.Equal([second.Id], archive.Query("lane-2", Fixtures.Start.AddHours(1), null).Select(a => a.Id));
        Assert.Empty(archive.Query("../lane-1", null, null));
        Assert.False(Directory.EnumerateFileSystemEntries(Path.Combine(dir.File("archive"), ".incoming")).Any());
    }

    [Fact]
    public async Task Store_ImageThatDiffersFromTheRecord_IsKeptAndReported()
    {
        using var dir = new TempDir();
        var archive = new TransactionArchive(dir.File("archive"));
        var transaction = Fixtures.Transaction(Fixtures.Start);

        var stored = await archive.StoreAsync(transaction, [EvidenceSource.FromBytes("scan-high.png", "something else"u8.ToArray())], []);

        Assert.Contains("scan-high.png", Assert.Single(stored.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape.png")]
    [InlineData(".hidden")]
    [InlineData("a/b.png")]
    [InlineData("")]
    public async Task Store_UnsafeFileNames_AreRefused(string name)
    {
        using var dir = new TempDir();
        var archive = new TransactionArchive(dir.File("archive"));

        await Assert.ThrowsAsync<ArgumentException>(() => archive.StoreAsync(Fixtures.Transaction(Fixtures.Start), [EvidenceSource.FromBytes(name, new byte[1])], []));
        Assert.False(File.Exists(dir.File("escape.png")));
    }

    [Fact]
    public async Task Recorder_ArchivesAndAudits_AndAuditsEvenWhenArchivingFails()
    {
        using var dir = new TempDir();
        using var log = Fixtures.OpenLog(dir);
        var recorder = new TransactionEvidenceRecorder(log, new TransactionArchive(dir.File("archive")));
        var transaction = Fixtures.Transaction(Fixtures.Start);

        var entry = await recorder.RecordAsync(transaction, Images(dir), HeatMaps());
        var failed = await recorder.RecordAsync(Fixtures.Transaction(Fixtures.Start), [EvidenceSource.FromFile("scan-high.png", dir.File("missing.png"))], []);

        Assert.Equal(AuditKind.Transaction, entry.Kind);
        using var payload = entry.PayloadDocument()!;
        Assert.Equal(recorder.Archive.Find(transaction.Id)!.RecordSha256, payload.RootElement.GetProperty("record_sha256").GetString());
        Assert.Equal(Fixtures.Sha("\x89PNG fake heat map"u8.ToArray()), payload.RootElement.GetProperty("heat_maps")[0].GetProperty("sha256").GetString());
        Assert.False(payload.RootElement.TryGetProperty("archive_error", out _));
        Assert.Contains("missing.png", failed.PayloadString("archive_error"), StringComparison.Ordinal);
    }
}
