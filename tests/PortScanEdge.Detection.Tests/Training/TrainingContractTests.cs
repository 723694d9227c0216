using System.Text.RegularExpressions;

namespace PortScanEdge.Detection.Tests.Training;

/// <summary>
/// The training scripts' preprocessing and data-set reading (models/training/test_contract.py) and their synthetic
/// anomalies (test_augment.py), run with Debian's Python as a site retraining the model would. numpy and PIL come
/// from tests/install-deps.sh; torch is not needed.
/// </summary>
public partial class TrainingContractTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task TrainingUnitTests_PassUnderDebiansPython()
    {
        // A machine without them must fail this test, not skip it silently.
        Assert.True(File.Exists(Python), $"{Python} is required: run tests/install-deps.sh");
        var (exitCode, stdout, stderr) = await ShellProcess.RunAsync(
            Python, ["-W", "error::ResourceWarning", "-m", "unittest", "-v", "test_contract", "test_augment"], TimeSpan.FromSeconds(60),
            workingDirectory: RepositoryPaths.Of("models/training"));
        var output = stdout + stderr;

        Assert.True(exitCode == 0, output);
        var ran = RanLine().Match(output);
        Assert.True(ran.Success && int.Parse(ran.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 12, output);
        Assert.Matches(OkLine(), output);
    }

    [GeneratedRegex(@"^Ran (\d+) tests? in ", RegexOptions.Multiline)]
    private static partial Regex RanLine();

    [GeneratedRegex(@"^OK$", RegexOptions.Multiline)]
    private static partial Regex OkLine();
}
