using System.Text;

namespace PortScanEdge.Integrity.Tests;

/// <summary>The verifier script printed in docs/review-bundle.md (Python standard library + openssl) agrees with ours.</summary>
public class IndependentVerifierTests
{
    [Fact]
    public async Task DocumentedScript_AcceptsOurBundle_AndRejectsASwappedImage()
    {
        // tests/install-deps.sh installs both; a machine without them must fail this test, not skip it silently.
        Assert.True(Which("python3") is not null && Which("openssl") is not null, "python3 and openssl are required: run tests/install-deps.sh");

        using var data = await GatewayData.CreateAsync();
        var script = data.Dir.File("verify_bundle.py");
        await File.WriteAllTextAsync(script, ExtractScript());
        var bundle = data.Dir.File("case.zip");
        data.Export(bundle, data.Referred, data.Cleared);
        var publicKey = Audit.AuditSigningKey.PublicKeyPath(data.Settings.KeyPath);

        var good = await RunAsync("python3", script, bundle, publicKey);
        BundleTests.Tamper(bundle, $"transactions/{data.Referred.Id}/images/scan-high.png", _ => Encoding.ASCII.GetBytes("swapped"), manifestUpdated: true);
        var swapped = await RunAsync("python3", script, bundle, publicKey);

        Assert.True(good.Code == 0, good.Output);
        Assert.StartsWith("OK: 2 transaction(s), entries 3..7", good.Output, StringComparison.Ordinal);
        Assert.Equal(1, swapped.Code);
        Assert.Contains("scan-high.png: not the audited file", swapped.Output, StringComparison.Ordinal);
    }

    private static string ExtractScript()
    {
        var doc = File.ReadAllText(RepositoryPaths.Of("docs/review-bundle.md"));
        var start = doc.IndexOf("<!-- independent-verifier:begin -->", StringComparison.Ordinal);
        var end = doc.IndexOf("<!-- independent-verifier:end -->", StringComparison.Ordinal);
        var block = doc[start..end];
        var code = block[(block.IndexOf("```python\n", StringComparison.Ordinal) + "```python\n".Length)..];
        return code[..code.LastIndexOf("```", StringComparison.Ordinal)];
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] args)
    {
        var (code, stdout, stderr) = await ShellProcess.RunAsync(program, args, TimeSpan.FromSeconds(60));
        return (code, stdout + stderr);
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
