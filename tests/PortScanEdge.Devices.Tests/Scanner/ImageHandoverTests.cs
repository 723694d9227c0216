using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Devices.Tests.Serial;

namespace PortScanEdge.Devices.Tests.Scanner;

/// <summary>Image hand-over (scanner-serial.md §7) with a fake clock for the bounded wait.</summary>
public sealed class ImageHandoverTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string Spool => Path.Combine(_temp.Path, "spool");

    private string Store => Path.Combine(_temp.Path, "store");

    private static AnnouncedImage Announce(string name, byte[] content) =>
        new(EnergyKind.SingleEnergy, 6000, name, content.Length, SHA256.HashData(content), 4, 2, 16);

    [Fact]
    public async Task Verify_FileArrivesDuringWait_VerifiedCopyInStore()
    {
        Directory.CreateDirectory(Spool);
        var time = new FakeTimeProvider();
        var handover = new ImageHandover(Spool, Store, TimeSpan.FromSeconds(10), time);
        byte[] content = [1, 2, 3, 4, 5];
        Task<ImageHandoverResult> verify = handover.VerifyAsync(new ScanCompleteMessage("tx-1", [Announce("a.png", content)]));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(verify.IsCompleted);
        await File.WriteAllBytesAsync(Path.Combine(Spool, "a.png"), content);
        while (!verify.IsCompleted)
        {
            time.Advance(ScannerProtocol.ImagePollInterval);
            await Task.WhenAny(verify, Task.Delay(5));
        }

        ImageHandoverResult result = await verify;
        Assert.True(result.IsVerified, result.Reason);
        Assert.Equal(content, await File.ReadAllBytesAsync(result.Images[0].Path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(result.Images[0].Path));
        }
    }

    [Fact]
    public async Task Verify_FileNeverArrives_FailsAfterBoundedWaitNamingTheFile()
    {
        Directory.CreateDirectory(Spool);
        var time = new FakeTimeProvider();
        var handover = new ImageHandover(Spool, Store, TimeSpan.FromSeconds(10), time);
        Task<ImageHandoverResult> verify = handover.VerifyAsync(new ScanCompleteMessage("tx-2", [Announce("gone.png", [9])]));
        for (int i = 0; i < 400 && !verify.IsCompleted; i++)
        {
            time.Advance(ScannerProtocol.ImagePollInterval);
            await Task.WhenAny(verify, Task.Delay(2));
        }

        ImageHandoverResult result = await verify;
        Assert.Equal(ImageHandoverResult.ImageIntegrityFailed, result.OutcomeCode);
        Assert.Equal("gone.png: absent after 10 s", result.Reason);
        Assert.True(time.GetUtcNow() - time.Start >= TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("../escape.png")]
    [InlineData("/etc/passwd")]
    [InlineData(".hidden")]
    [InlineData("sub/dir.png")]
    public async Task Verify_FileNameNotPlain_FailsWithoutTouchingTheFileSystem(string name)
    {
        var handover = new ImageHandover(Spool, Store, TimeSpan.FromSeconds(1), new FakeTimeProvider());
        ImageHandoverResult result = await handover.VerifyAsync(new ScanCompleteMessage("tx-3", [Announce(name, [1])]));
        Assert.Equal(ImageHandoverResult.ImageIntegrityFailed, result.OutcomeCode);
        Assert.Contains("not a plain name", result.Reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Store));
    }

    [Fact]
    public async Task Verify_SwappedContentSameSize_HashMismatchAndCopyRemoved()
    {
        Directory.CreateDirectory(Spool);
        byte[] announced = [1, 2, 3, 4];
        await File.WriteAllBytesAsync(Path.Combine(Spool, "b.png"), [4, 3, 2, 1]);
        var handover = new ImageHandover(Spool, Store, TimeSpan.FromSeconds(1), new FakeTimeProvider());
        ImageHandoverResult result = await handover.VerifyAsync(new ScanCompleteMessage("tx-4", [Announce("b.png", announced)]));
        Assert.Contains("SHA-256 mismatch", result.Reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Store, "tx-4")));
    }

    [Fact]
    public async Task Verify_FileLargerThanAnnounced_SizeMismatch()
    {
        Directory.CreateDirectory(Spool);
        await File.WriteAllBytesAsync(Path.Combine(Spool, "c.png"), [1, 2, 3, 4, 5, 6]);
        var handover = new ImageHandover(Spool, Store, TimeSpan.FromSeconds(1), new FakeTimeProvider());
        ImageHandoverResult result = await handover.VerifyAsync(new ScanCompleteMessage("tx-5", [Announce("c.png", [1, 2, 3])]));
        Assert.Equal("c.png: size mismatch: announced 3 bytes, found 6", result.Reason);
    }

    public void Dispose() => _temp.Dispose();
}
