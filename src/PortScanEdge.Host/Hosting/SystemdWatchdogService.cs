using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace PortScanEdge.Host.Hosting;

/// <summary>
/// Feeds the systemd watchdog (<c>WATCHDOG=1</c>) at half the interval systemd asks for in <c>WATCHDOG_USEC</c>.
/// Does nothing when not run by systemd or when the unit sets no <c>WatchdogSec</c>.
/// </summary>
internal sealed class SystemdWatchdogService(
    ISystemdNotifier notifier,
    TimeProvider timeProvider,
    ILogger<SystemdWatchdogService> logger) : BackgroundService
{
    /// <summary>Reads the interval from the environment systemd gives the service; null when there is none.</summary>
    internal static TimeSpan? ReadInterval(string? watchdogMicroseconds, string? watchdogPid, int currentPid)
    {
        if (string.IsNullOrEmpty(watchdogMicroseconds) ||
            !long.TryParse(watchdogMicroseconds, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) ||
            microseconds <= 0)
        {
            return null;
        }

        // WATCHDOG_PID, when present, names the process the watchdog is meant for (sd_watchdog_enabled(3)).
        if (!string.IsNullOrEmpty(watchdogPid) &&
            (!int.TryParse(watchdogPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid != currentPid))
        {
            return null;
        }

        return TimeSpan.FromTicks(microseconds * 10 / 2);
    }

    /// <summary>One watchdog ping.</summary>
    internal void Ping() => notifier.Notify(new ServiceState("WATCHDOG=1"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled)
        {
            return;
        }

        var interval = ReadInterval(
            Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
            Environment.GetEnvironmentVariable("WATCHDOG_PID"),
            Environment.ProcessId);
        if (interval is null)
        {
            return;
        }

        Log.WatchdogEnabled(logger, interval.Value.TotalMilliseconds);
        using var timer = new PeriodicTimer(interval.Value, timeProvider);
        do
        {
            Ping();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
