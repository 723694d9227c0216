using System.Text;
using System.Text.Json.Nodes;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Hosting;

namespace PortScanEdge.Integrity.Tests;

public class BundleCliTests
{
    [Fact]
    public async Task ExportAndVerifyBundle_OverTheRealExecutable()
    {
        using var dir = new TempDir();
        var config = WriteConfig(dir);
        var loaded = ConfigLoader.LoadFile(config);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        using var data = await GatewayData.CreateAsync(dir, AuditServiceCollectionExtensions.CreateSettings(loaded.Options!));
        var publicKey = Integrity.Audit.AuditSigningKey.PublicKeyPath(data.Settings.KeyPath);
        var bundle = dir.File("case.zip");
        var range = dir.File("range.zip");

        var export = await Cli.RunAsync("export", "--config", config, "--transaction", data.Referred.Id, "--out", bundle);
        var exportRange = await Cli.RunAsync("export", "--config", config, "--lane", "lane-2", "--from", "2026-11-29", "--to", "2026-11-30T00:00:00Z", "--out", range);
        var verify = await Cli.RunAsync("verify-bundle", bundle, "--public-key", publicKey);
        var verifyRange = await Cli.RunAsync("verify-bundle", range);
        BundleTests.Tamper(bundle, $"transactions/{data.Referred.Id}/record.json", bytes =>
        {
            var node = JsonNode.Parse(bytes)!;
            node["analysis"]!["score"] = 0.12;
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }, manifestUpdated: true);
        var tampered = await Cli.RunAsync("verify-bundle", bundle, "--public-key", publicKey);
        await File.WriteAllTextAsync(dir.File("junk.zip"), "PK not really");
        var junk = await Cli.RunAsync("verify-bundle", dir.File("junk.zip"));
        var missing = await Cli.RunAsync("export", "--config", config, "--transaction", "01ARYZ6S41TSV4RRFFQ69G5FAV", "--out", dir.File("none.zip"));

        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("1 transaction, audit entries 3..7", export.Stdout, StringComparison.Ordinal);
        Assert.True(exportRange.ExitCode == 0, exportRange.Stderr);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.StartsWith($"OK: {bundle}", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("is the trusted gateway key", verify.Stdout, StringComparison.Ordinal);
        Assert.True(verifyRange.ExitCode == 0, verifyRange.Stderr);
        Assert.Contains("taken from the bundle itself", verifyRange.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains($"analysis.score is 0.12 but audit entry {data.ReferredEntry} recorded 0.87", tampered.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, junk.ExitCode);
        Assert.Contains("not a valid review bundle", junk.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("is not in the evidence archive", missing.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "export", "--out", "x.zip" }, "say what to export")]
    [InlineData(new[] { "export", "--transaction", "X", "--lane", "lane-1", "--out", "x.zip" }, "cannot be combined")]
    [InlineData(new[] { "export", "--lane", "lane-1", "--from", "yesterday", "--out", "x.zip" }, "ISO 8601")]
    public async Task Export_UsageErrors_ExitTwo(string[] args, string expected)
    {
        using var dir = new TempDir();
        var (code, _, stderr) = await Cli.RunAsync([.. args, "--config", WriteConfig(dir)]);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("audit")]
    [InlineData("export")]
    [InlineData("verify-bundle")]
    public async Task Help_ShowsAnExample(string command)
    {
        var (code, stdout, _) = await Cli.RunAsync(command, "--help");

        Assert.Equal(0, code);
        Assert.Contains("Example:", stdout, StringComparison.Ordinal);
        Assert.Contains("portscan-edge " + command, stdout, StringComparison.Ordinal);
    }

    private static string WriteConfig(TempDir dir)
    {
        var demo = File.ReadAllText(RepositoryPaths.Of("deploy/config/demo.yaml"));
        var path = dir.File("site.yaml");
        File.WriteAllText(path, demo.Replace("data_dir: /tmp/portscan-edge-demo", "data_dir: " + dir.File("data"), StringComparison.Ordinal));
        return path;
    }
}
