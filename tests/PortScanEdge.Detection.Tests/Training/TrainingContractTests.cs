using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PortScanEdge.Detection.Tests.Training;

/// <summary>
/// The training scripts' preprocessing and data-set reading (models/training/test_contract.py), run with Debian's
/// Python as a site retraining the model would. numpy and PIL come from tests/install-deps.sh; torch is not needed.
/// </summary>
public partial class TrainingContractTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task ContractUnitTests_PassUnderDebiansPython()
    {
        // A machine without them must fail this test, not skip it silently.
        Assert.True(File.Exists(Python), $"{Python} is required: run tests/install-deps.sh");
        var info = new ProcessStartInfo(Python)
        {
            WorkingDirectory = Path.Combine(RepositoryRoot(), "models", "training"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-W", "error::ResourceWarning", "-m", "unittest", "-v", "test_contract" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        Assert.True(process.ExitCode == 0, output);
        var ran = RanLine().Match(output);
        Assert.True(ran.Success && int.Parse(ran.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 6, output);
        Assert.Matches(OkLine(), output);
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "PortScanEdge.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("PortScanEdge.sln not found above the test assembly");
    }

    [GeneratedRegex(@"^Ran (\d+) tests? in ", RegexOptions.Multiline)]
    private static partial Regex RanLine();

    [GeneratedRegex(@"^OK$", RegexOptions.Multiline)]
    private static partial Regex OkLine();
}
