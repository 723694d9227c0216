namespace PortScanEdge.Core.Configuration;

/// <summary>Prometheus metrics and the health endpoints (<c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>).</summary>
public sealed class ObservabilityOptions
{
    [Doc("True to serve /metrics (Prometheus text format), /healthz (liveness) and /readyz (devices, model, broker) on their own HTTP listener.")]
    public bool Enabled { get; set; } = true;

    [Doc("Address to listen on (127.0.0.1 for a local scraper or reverse proxy, 0.0.0.0 for the management network).")]
    public string Bind { get; set; } = "127.0.0.1";

    [Doc("TCP port (9464 is the port registered for Prometheus exporters of OpenTelemetry); 0 picks a free port (tests).")]
    [Bounds(0, 65535)]
    public int Port { get; set; } = 9464;
}
