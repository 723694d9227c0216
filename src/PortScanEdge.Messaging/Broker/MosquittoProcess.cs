using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PortScanEdge.Core.Networking;

namespace PortScanEdge.Messaging.Broker;

/// <summary>
/// A real Mosquitto broker (Debian's <c>mosquitto</c> package) as a child process on a loopback port, with a
/// config written from a template (<c>{PORT}</c> and <c>{DIR}</c> are filled in): what <c>bench mqtt</c> measures
/// against and what the messaging tests run against. Never the system service, never port 1883 unless asked.
/// Its output is kept for error messages. Stop and start again to simulate an outage.
/// </summary>
public sealed class MosquittoProcess : IDisposable
{
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(10);
    private readonly string configPath;
    private readonly StringBuilder log = new();
    private Process? process;

    private MosquittoProcess(string directory, int port, string configTemplate)
    {
        Directory = directory;
        Port = port;
        configPath = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(configPath, configTemplate
            .Replace("{PORT}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{DIR}", directory, StringComparison.Ordinal));
    }

    /// <summary>The broker's working directory (its config, and anything the config puts in <c>{DIR}</c>).</summary>
    public string Directory { get; }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary><c>mqtt://127.0.0.1:PORT</c>.</summary>
    public string Uri => string.Create(CultureInfo.InvariantCulture, $"mqtt://127.0.0.1:{Port}");

    /// <summary>What the broker printed so far.</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>Anonymous clients on one loopback listener, no persistence, a deep queue, notices logged; plus <paramref name="extra"/> lines.</summary>
    public static string PlainConfig(string extra = "") =>
        "per_listener_settings false\nallow_anonymous true\nlistener {PORT} 127.0.0.1\npersistence false\n" +
        "log_dest stdout\nlog_type error\nlog_type warning\nlog_type notice\nmax_queued_messages 1000000\n" + extra + "\n";

    /// <summary>Writes the config into <paramref name="directory"/> and starts the broker; returns once it accepts connections.</summary>
    /// <param name="directory">Working directory (created when missing).</param>
    /// <param name="configTemplate">The config, with <c>{PORT}</c> and <c>{DIR}</c> placeholders.</param>
    /// <param name="port">The port; a free one when null.</param>
    /// <exception cref="InvalidOperationException">mosquitto is not installed, exited, or did not listen in time (its output is in the message).</exception>
    public static MosquittoProcess Start(string directory, string configTemplate, int? port = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        var broker = new MosquittoProcess(directory, port ?? LoopbackPort.PickFree(), configTemplate);
        try
        {
            broker.Start();
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    /// <summary>Starts the broker again after <see cref="Stop"/> (same port, same config).</summary>
    public void Start()
    {
        var info = new ProcessStartInfo("mosquitto") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(configPath);
        var started = new Process { StartInfo = info };
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            started.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            started.Dispose();
            throw new InvalidOperationException($"mosquitto could not be started ({ex.Message}); install it with: apt-get install mosquitto", ex);
        }

        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        var deadline = Stopwatch.GetTimestamp() + (long)(ListenTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (started.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with code {started.ExitCode}:\n{Log}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(25);
            }
        }

        throw new InvalidOperationException($"mosquitto did not listen on 127.0.0.1:{Port} within {ListenTimeout.TotalSeconds:0} s:\n{Log}");
    }

    /// <summary>Kills the broker (an outage, as far as clients can tell).</summary>
    public void Stop()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        process?.Dispose();
        process = null;
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }
}
