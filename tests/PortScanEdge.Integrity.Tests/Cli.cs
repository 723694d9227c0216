using PortScanEdge.Tests;

namespace PortScanEdge.Integrity.Tests;

/// <summary>Runs the real <c>portscan-edge</c> executable (copied beside the tests by the project reference).</summary>
internal static class Cli
{
    /// <summary>Not under the test runner's systemd notification socket, if any: the CLI would report to it.</summary>
    private static readonly Dictionary<string, string?> Environment = new() { ["NOTIFY_SOCKET"] = null };

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        ShellProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "portscan-edge.dll"), .. args], TimeSpan.FromSeconds(60), Environment);
}
