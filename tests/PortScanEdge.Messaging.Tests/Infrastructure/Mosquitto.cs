using PortScanEdge.Messaging.Broker;

namespace PortScanEdge.Messaging.Tests.Infrastructure;

/// <summary>
/// Real Mosquitto brokers (the Debian package) for the tests, on free loopback ports in fresh temporary
/// directories, through the same <see cref="MosquittoProcess"/> that <c>bench mqtt</c> uses.
/// </summary>
internal static class Mosquitto
{
    /// <summary>A plain broker: anonymous clients allowed, plus <paramref name="extra"/> config lines.</summary>
    public static MosquittoProcess Start(string extra = "", string? directory = null, int? port = null) =>
        MosquittoProcess.Start(directory ?? TempDirectory.Create("mosquitto"), MosquittoProcess.PlainConfig(extra), port);

    /// <summary>A broker from a complete config (with {PORT} and {DIR} placeholders).</summary>
    public static MosquittoProcess StartWithConfig(string config, int? port = null) =>
        MosquittoProcess.Start(TempDirectory.Create("mosquitto"), config, port);
}

internal static class TempDirectory
{
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pse-{prefix}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
