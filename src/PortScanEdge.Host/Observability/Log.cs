using Microsoft.Extensions.Logging;

namespace PortScanEdge.Host.Observability;

/// <summary>Source-generated log messages of the observability endpoints (event ids 1500-1519).</summary>
internal static partial class ObservabilityLog
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Metrics and health endpoints on http://{Endpoint} (/metrics, /healthz, /readyz)")]
    public static partial void Listening(ILogger logger, string endpoint);
}
