using PortScanEdge.Core.Networking;
namespace PortScanEdge.Host.Tests;

/// <summary>A config file written for one test and deleted afterwards.</summary>
internal sealed class TempConfig : IDisposable
{
    private readonly string? _dataDirectory;

    private TempConfig(string path, string? dataDirectory = null)
    {
        Path = path;
        _dataDirectory = dataDirectory;
    }

    public string Path { get; }

    /// <summary>For <see cref="IsolatedDemo"/>: the embedded MQTT broker's port it chose.</summary>
    public int MqttPort { get; private init; }

    /// <summary>For <see cref="IsolatedDemo"/>: the operator console's port it chose.</summary>
    public int WebPort { get; private init; }

    public static TempConfig FromDemo(Func<string, string> edit) => new(WriteDemo(edit, "demo.yaml"));

    /// <summary>The demo (or another demo file of deploy/config) with its own data directory and ports, so runs in parallel do not share emulator links or files.</summary>
    public static TempConfig IsolatedDemo(Func<string, string>? edit = null, string demoFile = "demo.yaml")
    {
        var dataDirectory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"portscan-test-data-{Guid.NewGuid():N}");
        var mqttPort = LoopbackPort.PickFree();
        var webPort = LoopbackPort.PickFree();
        var path = WriteDemo(text =>
        {
            var isolated = text.Replace("data_dir: /tmp/portscan-edge-demo", "data_dir: " + dataDirectory, StringComparison.Ordinal)
                .Replace("spool_dir: /tmp/portscan-edge-demo/", "spool_dir: " + dataDirectory + "/", StringComparison.Ordinal)
                .Replace("embedded_port: 1883", "embedded_port: " + mqttPort, StringComparison.Ordinal)
                .Replace("  port: 8080", "  port: " + webPort, StringComparison.Ordinal);

            // A free port for /metrics and /readyz, so gateways in parallel tests do not fight over 9464.
            // (Flow style, so "  port: " stays the web port's line alone for tests that edit it.)
            isolated += "\nobservability: { port: 0 }\n";
            return edit is null ? isolated : edit(isolated);
        }, demoFile);
        return new TempConfig(path, dataDirectory) { MqttPort = mqttPort, WebPort = webPort };
    }

    private static string WriteDemo(Func<string, string> edit, string demoFile)
    {
        var demo = File.ReadAllText(RepositoryPaths.Of("deploy/config/" + demoFile));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"portscan-test-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, edit(demo));
        return path;
    }

    public void Dispose()
    {
        File.Delete(Path);
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
