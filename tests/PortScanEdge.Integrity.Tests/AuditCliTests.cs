using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Tests;

public class AuditCliTests
{
    [Fact]
    public async Task AuditVerify_IntactLog_ExitsZero_TamperedLog_ExitsOneNamingEntryAndKind()
    {
        using var dir = new TempDir();
        var settings = await Fixtures.WriteLogAsync(dir, 6);
        var publicKey = AuditSigningKey.PublicKeyPath(settings.KeyPath);

        var (okCode, okOut, _) = await Cli.RunAsync("audit", "verify", "--log", settings.LogPath, "--public-key", publicKey);
        var lines = File.ReadAllLines(settings.LogPath).ToList();
        lines.RemoveAt(3);
        File.WriteAllText(settings.LogPath, string.Concat(lines.Select(l => l + "\n")));
        var (badCode, _, badErr) = await Cli.RunAsync("audit", "verify", "--log", settings.LogPath, "--public-key", publicKey);

        Assert.Equal(0, okCode);
        Assert.StartsWith("OK: ", okOut, StringComparison.Ordinal);
        Assert.Equal(1, badCode);
        Assert.Contains("TAMPERED: " + settings.LogPath + ": deleted at entry 4 (line 4)", badErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_WithCheckpoint_DetectsATruncatedLog()
    {
        using var dir = new TempDir();
        var settings = Fixtures.Settings(dir);
        using (var log = new AuditLog(settings, new ManualClock(Fixtures.Start)))
        {
            for (var i = 0; i < 5; i++)
            {
                await log.AppendAsync(AuditKind.Command, new { i });
            }

            await File.WriteAllTextAsync(dir.File("cp.json"), (await log.CreateCheckpointAsync()).ToJson());
        }

        var lines = File.ReadAllLines(settings.LogPath);
        File.WriteAllText(settings.LogPath, string.Concat(lines.Take(3).Select(l => l + "\n")));

        var (code, _, stderr) = await Cli.RunAsync("audit", "verify", "--log", settings.LogPath,
            "--public-key", AuditSigningKey.PublicKeyPath(settings.KeyPath), "--checkpoint", dir.File("cp.json"));

        Assert.Equal(1, code);
        Assert.Contains("truncated at entry 4", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a pem", "not a PEM 'PUBLIC KEY' block")]
    [InlineData("checkpoint", "not checkpoint JSON")]
    public async Task AuditVerify_UnusableInput_ExitsTwo(string what, string expected)
    {
        using var dir = new TempDir();
        var settings = await Fixtures.WriteLogAsync(dir, 2);
        await File.WriteAllTextAsync(dir.File("bad"), "not json {");
        string[] args = what == "checkpoint"
            ? ["audit", "verify", "--log", settings.LogPath, "--checkpoint", dir.File("bad")]
            : ["audit", "verify", "--log", settings.LogPath, "--public-key", dir.File("bad")];

        var (code, _, stderr) = await Cli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }
}
