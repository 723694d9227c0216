namespace PortScanEdge.Host.Tests.Operations;

/// <summary>
/// <c>deploy/scripts/install.sh</c> run into a temporary root (<c>--root</c>): accounts go to that root's
/// <c>/etc/passwd</c>, the unit is enabled with <c>systemctl --root</c>; the machine itself is not touched.
/// The gate is the real <c>portscan-edge validate</c> of this build.
/// </summary>
public sealed class InstallScriptTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portscan-install-").FullName;

    private string Root => Path.Combine(_directory, "root");

    private string EnabledLink => Path.Combine(Root, "etc/systemd/system/multi-user.target.wants/portscan-edge.service");

    [Fact]
    public async Task InvalidConfig_Install_RefusesToEnableAndExits2()
    {
        var config = WriteConfig(File.ReadAllText(RepositoryPaths.Of("deploy/config/demo.yaml"))
            .Replace("site_id: demo-port", "site_id: \"Bad Site!\"", StringComparison.Ordinal)
            + "\nno_such_section: 1\n");

        var (exitCode, _, stderr) = await InstallAsync(config);

        Assert.Equal(2, exitCode);
        Assert.Contains("no_such_section", stderr, StringComparison.Ordinal);
        Assert.Contains("NOT enabled", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(EnabledLink) || new FileInfo(EnabledLink).LinkTarget is not null, "the unit was enabled");
        // Everything else is installed, so the technician only has to fix the config.
        Assert.True(File.Exists(Path.Combine(Root, "etc/systemd/system/portscan-edge.service")));
        Assert.Contains("portscan-edge:", File.ReadAllText(Path.Combine(Root, "etc/passwd")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidConfig_Install_CreatesUserDirectoriesAndEnablesUnit()
    {
        var config = WriteConfig(File.ReadAllText(RepositoryPaths.Of("deploy/config/demo.yaml")));

        var (exitCode, stdout, stderr) = await InstallAsync(config);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        Assert.Equal("/etc/systemd/system/portscan-edge.service", new FileInfo(EnabledLink).LinkTarget);
        var user = File.ReadAllLines(Path.Combine(Root, "etc/passwd")).Single(l => l.StartsWith("portscan-edge:", StringComparison.Ordinal));
        Assert.EndsWith(":/var/lib/portscan-edge:/usr/sbin/nologin", user, StringComparison.Ordinal);
        var groups = File.ReadAllLines(Path.Combine(Root, "etc/group"));
        Assert.Contains(groups, l => l.StartsWith("dialout:", StringComparison.Ordinal) && l.EndsWith("portscan-edge", StringComparison.Ordinal));
        Assert.Contains(groups, l => l.StartsWith("gpio:", StringComparison.Ordinal) && l.EndsWith("portscan-edge", StringComparison.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(Root, "var/lib/portscan-edge")));
        Assert.True(File.Exists(Path.Combine(Root, "etc/udev/rules.d/99-portscan-edge.rules")));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            File.GetUnixFileMode(Path.Combine(Root, "etc/portscan-edge/site.yaml")));
    }

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_directory, "site.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> InstallAsync(string config)
    {
        // A minimal root: the account files useradd --prefix edits, with root and dialout as on Debian.
        var etc = Directory.CreateDirectory(Path.Combine(Root, "etc")).FullName;
        await File.WriteAllTextAsync(Path.Combine(etc, "passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        await File.WriteAllTextAsync(Path.Combine(etc, "shadow"), "root:*:19000:0:99999:7:::\n");
        await File.WriteAllTextAsync(Path.Combine(etc, "group"), "root:x:0:\ndialout:x:20:\n");
        await File.WriteAllTextAsync(Path.Combine(etc, "gshadow"), "root:*::\ndialout:*::\n");

        // The "published" directory: a launcher for this build's portscan-edge.dll (the real validate).
        var bin = Directory.CreateDirectory(Path.Combine(_directory, "bin")).FullName;
        var launcher = Path.Combine(bin, "portscan-edge");
        await File.WriteAllTextAsync(launcher, $"#!/bin/sh\nexec dotnet '{CliProcess.ExecutablePath}' \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        return await ShellProcess.RunAsync(
            "bash",
            [RepositoryPaths.Of("deploy/scripts/install.sh"), "--bin", bin, "--config", config, "--root", Root],
            TimeSpan.FromMinutes(2));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
