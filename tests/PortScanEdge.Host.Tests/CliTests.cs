using System.Text.RegularExpressions;

namespace PortScanEdge.Host.Tests;

public partial class CliTests
{
    [Fact]
    public async Task Version_PrintsVersionAndCommit()
    {
        var (exitCode, stdout, _) = await CliProcess.RunAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Matches(VersionLine(), stdout.Trim());
    }

    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "validate" }, "Option '--config' is required")]
    [InlineData(new[] { "validate", "--config", "x.yaml", "--bogus" }, "--bogus")]
    [InlineData(new[] { "run", "--config", "x.yaml", "--log-format", "xml" }, "xml")]
    public async Task UsageErrors_ExitTwoAndSayWhatIsWrong(string[] args, string expected)
    {
        var (exitCode, _, stderr) = await CliProcess.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("validate")]
    [InlineData("schema")]
    public async Task EveryCommandHelp_ShowsAnExample(string command)
    {
        var (exitCode, stdout, _) = await CliProcess.RunAsync(command, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("Example:", stdout, StringComparison.Ordinal);
        Assert.Contains("portscan-edge " + command, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_DemoConfig_ExitsZeroWithSummary()
    {
        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("validate", "--config", "deploy/config/demo.yaml");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(
            "deploy/config/demo.yaml: valid — site demo-port, gateway gw-demo, 1 lane (lane-1), 4 devices (1 scanner, 2 plate readers, 1 GPIO block), simulation on",
            stdout.Trim());
    }

    [Fact]
    public async Task Validate_ExampleConfig_ExitsZeroAndWarnsAboutUnsetSecret()
    {
        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("validate", "--config", "deploy/config/example.yaml");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("2 lanes (lane-1, lane-2)", stdout, StringComparison.Ordinal);
        Assert.Contains("warning: deploy/config/example.yaml:", stderr, StringComparison.Ordinal);
        Assert.Contains("PORTSCAN_MQTT_PASSWORD is not set here", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_BrokenConfig_ListsEveryProblemAsFileLineColumn()
    {
        using var file = TempConfig.FromDemo(text => text
            .Replace("time_zone: America/Phoenix", "time_zome: America/Phoenix", StringComparison.Ordinal)
            .Replace("serial: { port: emulator, baud: 9600 }", "serial: { port: emulator, baud: 9601 }", StringComparison.Ordinal));

        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("validate", "--config", file.Path);

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, stdout);
        var lines = stderr.Trim().Split('\n');
        Assert.Equal($"{file.Path}:8:3: site.time_zome: unknown key 'time_zome' in site; did you mean 'time_zone'?", lines[0]);
        Assert.StartsWith($"{file.Path}:26:39: devices.plate_readers[0].serial.baud: 9601 is not a standard baud rate", lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"{file.Path}:30:39: devices.plate_readers[1].serial.baud: 9601 is not a standard baud rate", lines[2], StringComparison.Ordinal);
        Assert.Equal("3 problems found; nothing was started.", lines[3]);
    }

    [Fact]
    public async Task Synth_OutIsAFile_ExitsTwoNamingIt()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (exitCode, _, stderr) = await CliProcess.RunAsync("synth", "--out", file, "--count", "2");

            Assert.Equal(2, exitCode);
            Assert.Equal($"error: --out {file} is a file, not a directory", stderr.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Synth_OutCannotBeCreated_ExitsOneNamingItWithoutStackTrace()
    {
        // /proc accepts no new directories, even for root.
        var (exitCode, _, stderr) = await CliProcess.RunAsync("synth", "--out", "/proc/portscan-edge-synth", "--count", "2", "--quiet");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: --out /proc/portscan-edge-synth: cannot write the data set: ", stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwoWithoutStackTrace()
    {
        var (exitCode, _, stderr) = await CliProcess.RunAsync("validate", "--config", "/nonexistent/site.yaml");

        Assert.Equal(2, exitCode);
        Assert.Equal("/nonexistent/site.yaml: file not found\n1 problem found; nothing was started.", stderr.Trim());
    }

    [Fact]
    public async Task Schema_PrintsTheCommittedSchema()
    {
        var (exitCode, stdout, _) = await CliProcess.RunAsync("schema");

        Assert.Equal(0, exitCode);
        Assert.Equal(await File.ReadAllTextAsync(RepositoryPaths.Of("deploy/config/portscan-edge.schema.json")), stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^portscan-edge \d+\.\d+\.\d+ \(commit [0-9a-f]{7,12}\)$")]
    private static partial Regex VersionLine();
}
