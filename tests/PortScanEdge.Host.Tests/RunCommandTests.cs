using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PortScanEdge.Host.Tests;

public class RunCommandTests
{
    private const int SigTerm = 15;
    private const int SigInt = 2;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(SigTerm)]
    [InlineData(SigInt)]
    public async Task Run_Demo_StartsTheSimulatedLaneAndStopsGracefullyOnSignal(int signal)
    {
        using var config = TempConfig.IsolatedDemo();
        using var gateway = CliProcess.Start(["run", "--config", config.Path]);
        await gateway.WaitForOutputAsync("lane(s) running", StartTimeout);

        gateway.Signal(signal);

        AssertStoppedGracefully(gateway, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("starting: site demo-port, gateway gw-demo, 1 lane(s)", gateway.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SignalWhileStarting_StopsWhatStartedGracefully()
    {
        using var config = TempConfig.IsolatedDemo();
        using var gateway = CliProcess.Start(["run", "--config", config.Path]);
        // The first line of the start, before the model, the lanes and the listeners are up. How far the start has
        // gone when the signal lands depends on the machine (GatewayLifetimeTests pins the rule itself); either
        // way the whole gateway starts and then stops gracefully.
        await gateway.WaitForOutputAsync("starting: site demo-port", StartTimeout);

        gateway.Signal(SigTerm);

        AssertStoppedGracefully(gateway, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("1 lane(s) running", gateway.Stdout, StringComparison.Ordinal);
        Assert.Contains("outputs forced to fail-safe states", gateway.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SignalsThroughoutStart_StopGracefully()
    {
        // An impatient operator or a supervisor repeating SIGTERM: some signal is bound to land while a listener
        // is binding, and others after the stop. The inner web applications once took a signal themselves,
        // cancelled their own start and failed the gateway's ("Hosting failed to start", a background service
        // "failed") instead of the graceful stop GatewayLifetime holds for it; and a signal after the host was
        // disposed killed the process that had just stopped cleanly (exit 143).
        using var config = TempConfig.IsolatedDemo();
        using var gateway = CliProcess.Start(["run", "--config", config.Path]);
        await gateway.WaitForOutputAsync("starting: site demo-port", StartTimeout);

        // Every 5 ms until the process has gone, on a thread of its own so that the signals keep coming while the
        // thread pool is busy.
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            var deadline = DateTime.UtcNow + StartTimeout;
            while (DateTime.UtcNow < deadline && gateway.TrySignal(SigTerm))
            {
                Thread.Sleep(5);
            }

            gone.SetResult();
        }).Start();
        await gone.Task;

        AssertStoppedGracefully(gateway, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Run_JsonLogFormat_WritesOneJsonObjectPerLine()
    {
        using var config = TempConfig.IsolatedDemo();
        using var gateway = CliProcess.Start(["run", "--config", config.Path, "--log-format", "json"]);
        await gateway.WaitForOutputAsync("lane(s) running", StartTimeout);
        gateway.Signal(SigTerm);
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(5));

        var lines = gateway.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            Assert.True(document.RootElement.TryGetProperty("EventId", out _));
        }

        Assert.Contains(lines, l => l.Contains("\"EventId\":1111", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_InvalidConfig_ExitsTwoWithSameMessagesAndStartsNothing()
    {
        using var file = TempConfig.FromDemo(text => text.Replace("gateway:\n  id: gw-demo", "gateway:\n  ident: gw-demo", StringComparison.Ordinal));

        var (validateExit, _, validateErr) = await CliProcess.RunAsync("validate", "--config", file.Path);
        var (runExit, runOut, runErr) = await CliProcess.RunAsync("run", "--config", file.Path);

        Assert.Equal(2, validateExit);
        Assert.Equal(2, runExit);
        Assert.Equal(validateErr, runErr);
        Assert.Contains($"{file.Path}:10:3: gateway.ident: unknown key 'ident' in gateway", runErr, StringComparison.Ordinal);
        Assert.DoesNotContain("starting", runOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ModelThatCannotRun_ExitsOneNamingWhyAndStopsWhatStarted()
    {
        // Valid config, but the model is a two-band model's band network, refused when named on its own: the start
        // fails at the detector, after the broker and the console are up; they are stopped and the reason is the
        // last line.
        var band = RepositoryPaths.Of("models/portscan-xray-twoband-band.onnx");
        using var config = TempConfig.IsolatedDemo(text => text.Replace("detection:\n", $"detection:\n  model: {band}\n", StringComparison.Ordinal));
        var (exit, stdout, stderr) = await CliProcess.RunAsync("run", "--config", config.Path);

        Assert.True(exit == 1, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("the gateway could not start: model 'portscan-xray-twoband-band.onnx' is the band network of a two-band model", stderr, StringComparison.Ordinal);
        Assert.Contains("Gateway stopped", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("lane(s) running", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnsetSecret_RefusesToStart()
    {
        using var file = TempConfig.FromDemo(text => text.Replace(
            "mqtt:\n  broker: embedded",
            "mqtt:\n  broker: embedded\n  username: gw\n  password: ${PORTSCAN_TEST_SECRET_NOT_SET}",
            StringComparison.Ordinal));

        var (exitCode, _, stderr) = await CliProcess.RunAsync("run", "--config", file.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("mqtt.password: environment variable PORTSCAN_TEST_SECRET_NOT_SET is not set", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnderSystemd_NotifiesReadyFeedsTheWatchdogAndNotifiesStopping()
    {
        // Stand in for systemd: a datagram socket named by NOTIFY_SOCKET, as sd_notify(3) describes.
        var socketPath = Path.Combine(Path.GetTempPath(), $"portscan-notify-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        try
        {
            using var config = TempConfig.IsolatedDemo();
            using var gateway = CliProcess.Start(
                ["run", "--config", config.Path],
                new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "400000" });

            var buffer = new byte[256];
            var received = new List<string>();
            using var timeout = new CancellationTokenSource(StartTimeout);
            while (!received.Contains("READY=1") || received.Count(m => m == "WATCHDOG=1") < 2)
            {
                received.Add(Encoding.ASCII.GetString(buffer, 0, await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)));
            }

            Assert.Contains("systemd watchdog enabled: pinging every 200 ms", gateway.Stdout + gateway.Stderr, StringComparison.Ordinal);

            gateway.Signal(SigTerm);
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            while (socket.Available > 0)
            {
                received.Add(Encoding.ASCII.GetString(buffer, 0, socket.Receive(buffer)));
            }

            Assert.Contains("STOPPING=1", received);
            Assert.True(received.IndexOf("READY=1") < received.IndexOf("STOPPING=1"), string.Join(", ", received));
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    /// <summary>Exit 0, the closing log line, nothing logged as failed or critical, nothing on stderr.</summary>
    private static void AssertStoppedGracefully(CliProcess gateway, int exitCode)
    {
        var output = $"exit code {exitCode}\nstdout:\n{gateway.Stdout}\nstderr:\n{gateway.Stderr}";
        Assert.True(exitCode == 0, output);
        Assert.True(gateway.Stdout.Contains("Gateway stopped", StringComparison.Ordinal), output);
        Assert.False(gateway.Stdout.Contains(" crit: ", StringComparison.Ordinal), output);
        Assert.False(gateway.Stdout.Contains(" fail: ", StringComparison.Ordinal), output);
        Assert.True(gateway.Stderr.Length == 0, output);
    }
}
