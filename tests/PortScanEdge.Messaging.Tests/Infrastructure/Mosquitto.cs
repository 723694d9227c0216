using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PortScanEdge.Messaging.Tests.Infrastructure;

/// <summary>
/// A real Mosquitto broker (the Debian package) on a free loopback port with a generated config, started and
/// stopped by the test. Never port 1883; never the system service.
/// </summary>
internal sealed class Mosquitto : IDisposable
{
    private readonly string _configPath;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private Mosquitto(string directory, int port, string config)
    {
        Directory = directory;
        Port = port;
        _configPath = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(_configPath, config.Replace("{PORT}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("{DIR}", directory, StringComparison.Ordinal));
    }

    public string Directory { get; }

    public int Port { get; }

    public string Uri => $"mqtt://127.0.0.1:{Port}";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A plain broker: anonymous clients allowed, plus <paramref name="extra"/> config lines.</summary>
    public static Mosquitto Start(string extra = "", string? directory = null, int? port = null)
    {
        directory ??= TempDirectory.Create("mosquitto");
        var config = "per_listener_settings false\nallow_anonymous true\nlistener {PORT} 127.0.0.1\npersistence false\nlog_dest stdout\nlog_type error\nlog_type warning\nlog_type notice\nmax_queued_messages 100000\n" + extra + "\n";
        var broker = new Mosquitto(directory, port ?? FreePort(), config);
        broker.Start();
        return broker;
    }

    /// <summary>A broker from a complete config (with {PORT} and {DIR} placeholders).</summary>
    public static Mosquitto StartWithConfig(string config, int? port = null)
    {
        var broker = new Mosquitto(TempDirectory.Create("mosquitto"), port ?? FreePort(), config);
        broker.Start();
        return broker;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port == 1883 ? FreePort() : port;
    }

    public void Start()
    {
        var info = new ProcessStartInfo("mosquitto") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(_configPath);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}:\n{Log}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"mosquitto did not listen on {Port}:\n{Log}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
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
