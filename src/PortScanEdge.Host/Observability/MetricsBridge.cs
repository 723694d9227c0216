using Microsoft.Extensions.Hosting;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Host.Observability;

/// <summary>Feeds lane notifications (closed transactions, alerts) into <see cref="GatewayMetrics"/>.</summary>
internal sealed class MetricsBridge(LaneHub hub, GatewayMetrics metrics) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Subscribed synchronously during StartAsync, before the lanes (registered later) publish anything.
        var notifications = hub.Subscribe();
        await foreach (var notification in notifications.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            Observe(notification);
        }
    }

    /// <summary>One notification (tests call this directly).</summary>
    internal void Observe(LaneNotification notification)
    {
        switch (notification)
        {
            case TransactionNotification { Closed: true } closed:
                metrics.TransactionClosed(closed.Transaction);
                break;
            case AlertNotification alert:
                metrics.Alert(alert.LaneId);
                break;
        }
    }
}
