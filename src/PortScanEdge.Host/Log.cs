using Microsoft.Extensions.Logging;

namespace PortScanEdge.Host;

/// <summary>Source-generated log messages of the host. Event ids 1000-1999 belong to this project.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "{Version} starting: site {Site}, gateway {Gateway}, {LaneCount} lane(s), config {ConfigPath}")]
    public static partial void GatewayStarting(ILogger logger, string version, string site, string gateway, int laneCount, string configPath);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Shutdown requested; stopping within 5 s")]
    public static partial void GatewayStopping(ILogger logger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Gateway stopped")]
    public static partial void GatewayStopped(ILogger logger);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "systemd watchdog enabled: pinging every {IntervalMilliseconds} ms")]
    public static partial void WatchdogEnabled(ILogger logger, double intervalMilliseconds);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "{Reason} while starting: the gateway stops as soon as it has finished starting")]
    public static partial void StopWhileStarting(ILogger logger, string reason);
}
