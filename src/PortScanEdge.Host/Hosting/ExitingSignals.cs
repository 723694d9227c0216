using System.Runtime.InteropServices;

namespace PortScanEdge.Host.Hosting;

/// <summary>
/// Once the gateway has stopped, its stop signals (SIGTERM, SIGINT, SIGQUIT) are ignored until the process has exited.
/// <see cref="GatewayLifetime"/>'s handlers go with the host; a signal repeated after that (a second Ctrl+C, a
/// supervisor retrying) would find no handler and kill a process that had already stopped cleanly, turning exit
/// code 0 into death by signal. Held only after the stop, so a signal before the gateway's lifetime exists still
/// ends the process at once. The registrations are kept for the rest of the process's life on purpose.
/// </summary>
internal static class ExitingSignals
{
    private static readonly Lock Gate = new();
    private static PosixSignalRegistration[]? _held;

    public static void Hold()
    {
        lock (Gate)
        {
            _held ??= [.. GatewayLifetime.StopSignals.Select(signal => PosixSignalRegistration.Create(signal, context => context.Cancel = true))];
        }
    }
}
