namespace PortScanEdge.Host.Tests.Operations;

/// <summary>The shipped unit file passes <c>systemd-analyze verify</c> (Debian's systemd) without a single warning.</summary>
public sealed class SystemdUnitTests : IDisposable
{
    private const string InstalledExecutable = "/opt/portscan-edge/portscan-edge";
    private readonly string _directory = Directory.CreateTempSubdirectory("portscan-unit-").FullName;

    private static string UnitText => File.ReadAllText(RepositoryPaths.Of("deploy/systemd/portscan-edge.service"));

    [Fact]
    public async Task ShippedUnit_SystemdAnalyzeVerify_ReportsNothing()
    {
        var (exitCode, output) = await VerifyAsync(UnitText);

        Assert.True(exitCode == 0 && output.Length == 0, $"systemd-analyze verify exit {exitCode}:\n{output}");
    }

    [Fact]
    public async Task UnitWithMisspelledKey_SystemdAnalyzeVerify_Complains()
    {
        // Guards the test above: verify must see this file, and an unknown key must be reported.
        var (_, output) = await VerifyAsync(UnitText.Replace("WatchdogSec=", "WatchdogSecs=", StringComparison.Ordinal));

        Assert.Contains("WatchdogSecs", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedUnit_HasNotifyWatchdogRestartAndHardening()
    {
        var lines = UnitText.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);

        foreach (var expected in new[]
                 {
                     "Type=notify", "Restart=on-failure", "User=portscan-edge", "SupplementaryGroups=dialout gpio",
                     "ProtectSystem=strict", "ReadWritePaths=/var/lib/portscan-edge", "NoNewPrivileges=yes", "CapabilityBoundingSet=",
                     "AmbientCapabilities=", "WantedBy=multi-user.target",
                 })
        {
            Assert.Contains(expected, lines);
        }

        Assert.Contains(lines, l => l.StartsWith("WatchdogSec=", StringComparison.Ordinal));
    }

    private async Task<(int ExitCode, string Output)> VerifyAsync(string unitText)
    {
        // verify checks that ExecStart= is executable; point it at a stand-in so no file is needed under /opt.
        var executable = Path.Combine(_directory, "portscan-edge");
        await File.WriteAllTextAsync(executable, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var unit = Path.Combine(_directory, "portscan-edge.service");
        await File.WriteAllTextAsync(unit, unitText.Replace(InstalledExecutable, executable, StringComparison.Ordinal));

        var (exitCode, stdout, stderr) = await ShellProcess.RunAsync("systemd-analyze", ["verify", unit], TimeSpan.FromMinutes(1));
        return (exitCode, (stdout + stderr).Trim());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
