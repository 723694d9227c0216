using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace PortScanEdge.Host.Hosting;

/// <summary>
/// The gateway's host lifetime, in place of the console and systemd lifetimes: SIGTERM, SIGINT (Ctrl+C) and
/// SIGQUIT stop the gateway gracefully — but never cut its start short. The generic host cancels a start in
/// progress when a stop is requested, and then half-started services fail (background services see their
/// token cancelled and stop the host "because of an exception", the lanes never release the outputs they set,
/// the closing log line is never written). Here a signal that arrives while starting is held until the start
/// has finished, and the ordinary stop follows. Under systemd it also sends <c>READY=1</c> once started and
/// <c>STOPPING=1</c> when stopping (what the systemd lifetime did); elsewhere those notifications do nothing.
/// </summary>
internal sealed class GatewayLifetime(
    IHostApplicationLifetime application,
    ISystemdNotifier systemd,
    ILogger<GatewayLifetime> logger) : IHostLifetime, IDisposable
{
    /// <summary>The signals that stop the gateway gracefully (and that <see cref="ExitingSignals"/> holds after the stop).</summary>
    internal static readonly PosixSignal[] StopSignals = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT];

    private readonly Lock _gate = new();
    private readonly List<IDisposable> _registrations = [];
    private bool _started;
    private bool _stopRequested;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(application.ApplicationStarted.Register(OnStarted));
        _registrations.Add(application.ApplicationStopping.Register(() => Notify("STOPPING=1")));
        foreach (var signal in StopSignals)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();
    }

    /// <summary>
    /// Requests a graceful stop: at once when started, else as soon as the start has finished. A stop held while
    /// starting is logged once, however often the signal is repeated.
    /// </summary>
    internal void RequestStop(string reason)
    {
        bool started;
        bool repeated;
        lock (_gate)
        {
            started = _started;
            repeated = _stopRequested;
            _stopRequested = true;
        }

        if (started)
        {
            application.StopApplication();
        }
        else if (!repeated)
        {
            Log.StopWhileStarting(logger, reason);
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: the process must not die on the signal's default action before the graceful stop.
        context.Cancel = true;
        RequestStop(context.Signal switch
        {
            PosixSignal.SIGTERM => "SIGTERM",
            PosixSignal.SIGINT => "Ctrl+C",
            _ => "SIGQUIT",
        });
    }

    private void OnStarted()
    {
        Notify("READY=1");
        bool stopRequested;
        lock (_gate)
        {
            _started = true;
            stopRequested = _stopRequested;
        }

        if (stopRequested)
        {
            application.StopApplication();
        }
    }

    private void Notify(string state)
    {
        if (systemd.IsEnabled)
        {
            systemd.Notify(new ServiceState(state));
        }
    }
}
