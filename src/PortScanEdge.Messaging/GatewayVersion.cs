using System.Reflection;

namespace PortScanEdge.Messaging;

/// <summary>The running gateway's version line, e.g. <c>portscan-edge 0.1.0 (commit 1a2b3c4)</c>, for birth messages.</summary>
public static class GatewayVersion
{
    /// <summary>Version and commit of the entry assembly (the <c>portscan-edge</c> executable).</summary>
    public static string Line { get; } = Create();

    private static string Create()
    {
        var assembly = Assembly.GetEntryAssembly() ?? typeof(GatewayVersion).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var version = plus >= 0 ? informational[..plus] : informational;
        var commit = plus >= 0 ? informational[(plus + 1)..] : "unknown";
        return $"portscan-edge {version} (commit {(commit.Length > 12 ? commit[..12] : commit)})";
    }
}
