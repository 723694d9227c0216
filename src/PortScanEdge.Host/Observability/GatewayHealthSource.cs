using PortScanEdge.Messaging;
using PortScanEdge.Messaging.Contracts;

namespace PortScanEdge.Host.Observability;

/// <summary>
/// The health summary published over MQTT: the <c>/readyz</c> checks of <see cref="GatewayHealth"/>, plus the
/// process's resident memory and its CPU use since the previous summary (percent of one core). Its uptime is
/// the one telemetry reports (since the messaging runtime started).
/// </summary>
public sealed class GatewayHealthSource(GatewayHealth health, MessagingRuntime runtime, TimeProvider time) : IGatewayHealthSource
{
    private readonly Lock _gate = new();
    private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
    private long _lastStamp = time.GetTimestamp();

    /// <inheritdoc />
    public HealthPayload Snapshot()
    {
        var readiness = health.Readiness();
        double cpuPercent;
        lock (_gate)
        {
            var cpu = Environment.CpuUsage.TotalTime;
            var stamp = time.GetTimestamp();
            var wall = time.GetElapsedTime(_lastStamp, stamp);
            cpuPercent = wall > TimeSpan.Zero ? 100.0 * (cpu - _lastCpu).TotalSeconds / wall.TotalSeconds : 0;
            (_lastCpu, _lastStamp) = (cpu, stamp);
        }

        return new HealthPayload(
            readiness.Ready ? "ready" : "unready",
            Math.Round(Math.Max(0, (time.GetUtcNow() - runtime.StartedAt).TotalSeconds), 3),
            [.. readiness.Checks.Select(c => new HealthCheckPayload(c.Name, c.Ok, c.Detail))],
            Math.Round(Environment.WorkingSet / (1024.0 * 1024.0), 1),
            Math.Round(Math.Max(0, cpuPercent), 2));
    }
}
