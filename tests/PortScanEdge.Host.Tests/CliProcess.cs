using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace PortScanEdge.Host.Tests;

/// <summary>Runs the real <c>portscan-edge</c> executable as a child process, as a technician would.</summary>
internal sealed partial class CliProcess : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];
    private readonly Lock _gate = new();

    private CliProcess(Process process) => _process = process;

    public static string ExecutablePath { get; } = Path.Combine(
        RepositoryPaths.Root, "src", "PortScanEdge.Host", "bin",
        typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration,
        "net10.0", "portscan-edge.dll");

    public int ProcessId => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public static CliProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        // Through env(1) with SIGINT back at its default: a test runner started in the background inherits
        // SIGINT as ignored, .NET then (rightly) leaves it ignored, and the Ctrl+C test would test nothing.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryPaths.Root,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(ExecutablePath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A child must not believe it runs under systemd because the test runner happens to.
        info.Environment.Remove("NOTIFY_SOCKET");
        info.Environment.Remove("WATCHDOG_USEC");
        info.Environment.Remove("WATCHDOG_PID");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.OnLine(cli._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => cli.OnLine(cli._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs a command to completion and returns its exit code with its output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var cli = Start(args);
        var exitCode = await cli.WaitForExitAsync(DefaultTimeout);
        return (exitCode, cli.Stdout, cli.Stderr);
    }

    /// <summary>Completes when a line containing <paramref name="text"/> has been written to stdout or stderr.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        TaskCompletionSource seen;
        lock (_gate)
        {
            if (_stdout.ToString().Contains(text, StringComparison.Ordinal) || _stderr.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waits.Add((text, seen));
        }

        return seen.Task.WaitAsync(timeout);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"portscan-edge did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        // WaitForExitAsync also waits for the redirected streams to reach end of file.
        return _process.ExitCode;
    }

    public void Signal(int signal)
    {
        if (!TrySignal(signal))
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends a signal; false when it could not be sent (the process has already exited).</summary>
    public bool TrySignal(int signal) => Kill(_process.Id, signal) == 0;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void OnLine(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            target.AppendLine(line);
            for (var i = _waits.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waits[i].Text, StringComparison.Ordinal))
                {
                    _waits[i].Seen.TrySetResult();
                    _waits.RemoveAt(i);
                }
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
