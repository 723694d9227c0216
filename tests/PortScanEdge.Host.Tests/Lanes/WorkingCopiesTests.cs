using System.Security.Cryptography;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Integrity.Archive;

namespace PortScanEdge.Host.Tests.Lanes;

public sealed class WorkingCopiesTests : IDisposable
{
    private static readonly byte[] Image = [1, 2, 3, 4, 5];
    private static readonly byte[] Overlay = [9, 8, 7];
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("pse-working-");
    private readonly TransactionArchive _archive;
    private readonly WorkingCopies _files;

    public WorkingCopiesTests()
    {
        _archive = new TransactionArchive(Path.Combine(_data.FullName, "archive"));
        _files = new WorkingCopies(_data.FullName, _archive);
    }

    [Fact]
    public async Task Release_ArchivedTransaction_DeletesTheWorkingCopiesAndTheArchiveServesTheFiles()
    {
        var transaction = WithWorkingCopies();
        await Archive(transaction);

        Assert.True(_files.Release(transaction.Id));

        Assert.False(Directory.Exists(Path.Combine(_files.ImagesDirectory, transaction.Id)));
        Assert.False(File.Exists(_files.OverlayPath(transaction.Id)));
        var image = _files.FindImage(transaction, "scan.png");
        var overlay = _files.FindOverlay(transaction);
        Assert.StartsWith(_archive.Root, image, StringComparison.Ordinal);
        Assert.Equal(Image, await File.ReadAllBytesAsync(image!));
        Assert.Equal(Overlay, await File.ReadAllBytesAsync(overlay!));
    }

    [Fact]
    public void Release_TransactionNotArchived_KeepsTheWorkingCopies()
    {
        var transaction = WithWorkingCopies();

        Assert.False(_files.Release(transaction.Id));

        Assert.Equal(_files.ImagePath(transaction.Id, "scan.png"), _files.FindImage(transaction, "scan.png"));
        Assert.Equal(_files.OverlayPath(transaction.Id), _files.FindOverlay(transaction));
    }

    [Fact]
    public async Task Release_ArchivedWithProblems_KeepsTheWorkingCopies()
    {
        // The record names another SHA-256 than the image's: the archive stores it with a problem noted.
        var transaction = WithWorkingCopies(recordedSha: new string('0', 64));
        await Archive(transaction);

        Assert.False(_files.Release(transaction.Id));
        Assert.True(File.Exists(_files.ImagePath(transaction.Id, "scan.png")));
    }

    [Fact]
    public async Task ReleaseArchived_AtStart_ReleasesOnlyWhatTheArchiveHolds()
    {
        var archived = WithWorkingCopies();
        await Archive(archived);
        var notArchived = WithWorkingCopies(at: DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal(1, _files.ReleaseArchived());

        Assert.False(File.Exists(_files.OverlayPath(archived.Id)));
        Assert.True(File.Exists(_files.OverlayPath(notArchived.Id)));
        Assert.True(File.Exists(_files.ImagePath(notArchived.Id, "scan.png")));
    }

    [Fact]
    public void Find_NameWithAPathOrNothingAnywhere_IsNull()
    {
        var transaction = Transaction(DateTimeOffset.UtcNow, Convert.ToHexStringLower(SHA256.HashData(Image)));

        Assert.Null(_files.FindImage(transaction, "../scan.png"));
        Assert.Null(_files.FindImage(transaction, "scan.png"));
        Assert.Null(_files.FindOverlay(transaction));
    }

    public void Dispose() => _data.Delete(recursive: true);

    private VehicleTransaction WithWorkingCopies(string? recordedSha = null, DateTimeOffset? at = null)
    {
        var transaction = Transaction(at ?? DateTimeOffset.UtcNow, recordedSha ?? Convert.ToHexStringLower(SHA256.HashData(Image)));
        Directory.CreateDirectory(Path.Combine(_files.ImagesDirectory, transaction.Id));
        Directory.CreateDirectory(_files.OverlaysDirectory);
        File.WriteAllBytes(_files.ImagePath(transaction.Id, "scan.png"), Image);
        File.WriteAllBytes(_files.OverlayPath(transaction.Id), Overlay);
        return transaction;
    }

    private Task<ArchivedTransaction> Archive(VehicleTransaction transaction) => _archive.StoreAsync(
        transaction,
        [EvidenceSource.FromFile("scan.png", _files.ImagePath(transaction.Id, "scan.png"))],
        [EvidenceSource.FromFile(WorkingCopies.OverlayEvidenceName, _files.OverlayPath(transaction.Id))]);

    private static VehicleTransaction Transaction(DateTimeOffset at, string sha) => new()
    {
        Id = Ulid.New(at),
        SiteId = "site",
        GatewayId = "gw",
        LaneId = "lane-1",
        Direction = LaneDirection.Northbound,
        Stage = TransactionStage.Closed,
        Scan = new ScanRecord("scanner-1", "single", [new ScanImageRecord("scan.png", sha, Image.Length, 5, 1, 16, "single")]),
    };
}
