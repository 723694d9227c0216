using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Messaging.Connection;
using PortScanEdge.Messaging.Contracts;
using PortScanEdge.Messaging.Publishing;

namespace PortScanEdge.Messaging;

/// <summary>
/// Publishes gateway telemetry (QoS 0, not through the outbox: a lost sample is replaced by the next) and, when
/// the host provides one, the health summary (retained, expiring after three intervals so a stale verdict does
/// not outlive the gateway) every <c>mqtt.telemetry_interval</c>; enforces the outbox age bound every minute
/// even while disconnected.
/// </summary>
public sealed class TelemetryService(
    MessagingRuntime runtime,
    MqttConnectionSupervisor supervisor,
    ILogger<TelemetryService> logger,
    IGatewayHealthSource? health = null,
    ITelemetryGaugeSource? gauges = null) : BackgroundService
{
    /// <summary>The telemetry payload now.</summary>
    public TelemetryPayload Snapshot()
    {
        var outbox = runtime.Outbox;
        var stats = outbox.Stats;
        var now = runtime.Time.GetUtcNow();
        var oldest = outbox.OldestCreatedAt();
        var session = supervisor.Current;
        return new TelemetryPayload(
            Math.Round((now - runtime.StartedAt).TotalSeconds, 3),
            session is not null,
            session?.Endpoint.ToString() ?? string.Empty,
            runtime.Metrics.ConnectsTotal,
            stats.Depth,
            stats.Bytes,
            oldest is null ? 0 : Math.Round(Math.Max(0, (now - oldest.Value).TotalSeconds), 3),
            stats.DroppedByCapacity + stats.DroppedByAge,
            runtime.Metrics.PublishedTotal,
            new SortedDictionary<string, double>(gauges?.Gauges().ToDictionary() ?? [], StringComparer.Ordinal));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = runtime.Options.Mqtt.TelemetryInterval;
        var lastPurge = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Min(interval.TotalSeconds, 60)), runtime.Time);
        var lastTelemetry = runtime.Time.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = runtime.Time.GetUtcNow();
                if (now - lastPurge >= TimeSpan.FromMinutes(1))
                {
                    lastPurge = now;
                    await runtime.Outbox.PurgeExpiredAsync(stoppingToken).ConfigureAwait(false);
                }

                if (now - lastTelemetry < interval)
                {
                    continue;
                }

                lastTelemetry = now;
                await PublishAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Publishes one telemetry message (and the health summary) now, if connected.</summary>
    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        var session = supervisor.Current;
        if (session is null)
        {
            return;
        }

        try
        {
            var (payload, _) = await runtime.GatewayMessageAsync(MessageSchemas.Telemetry, Snapshot(), cancellationToken).ConfigureAwait(false);
            var seconds = (uint)Math.Max(1, Math.Ceiling(runtime.Options.Mqtt.TelemetryInterval.TotalSeconds * 2));
            await session.Client.PublishAsync(
                MqttConnectionSupervisor.Message(runtime.Topics.Telemetry, payload, retain: false, session.Protocol, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce, seconds),
                cancellationToken).ConfigureAwait(false);
            if (health is not null)
            {
                var (summary, _) = await runtime.GatewayMessageAsync(MessageSchemas.Health, health.Snapshot(), cancellationToken).ConfigureAwait(false);
                await session.Client.PublishAsync(
                    MqttConnectionSupervisor.Message(runtime.Topics.Health, summary, retain: true, session.Protocol, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, seconds * 3 / 2),
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            MessagingLog.TelemetryFailed(logger, ex.Message);
        }
    }
}
