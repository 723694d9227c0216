using System.Diagnostics.Metrics;

namespace PortScanEdge.Messaging;

/// <summary>
/// Metrics of the messaging layer (meter <c>PortScanEdge.Messaging</c>), also summed in memory for the
/// telemetry message: messages acknowledged, dropped by the outbox bound (by reason), reconnects, commands.
/// </summary>
public sealed class MessagingMetrics : IDisposable
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "PortScanEdge.Messaging";

    /// <summary>Name of the outbox commit-duration histogram (tag <c>durable</c>: fsynced or not).</summary>
    public const string CommitDurationName = "portscan_edge.outbox.commit_duration";

    private readonly Meter _meter;
    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _connects;
    private readonly Counter<long> _commands;
    private readonly Histogram<double> _commitMilliseconds;
    private long _publishedTotal;
    private long _connectsTotal;

    /// <summary>Creates the instruments.</summary>
    public MessagingMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _published = _meter.CreateCounter<long>("portscan_edge.mqtt.published", description: "QoS 1 messages acknowledged (PUBACK) by the broker");
        _dropped = _meter.CreateCounter<long>("portscan_edge.outbox.dropped", description: "Messages dropped by the outbox bound, by reason (capacity, age)");
        _connects = _meter.CreateCounter<long>("portscan_edge.mqtt.connects", description: "Successful connections to a broker");
        _commands = _meter.CreateCounter<long>("portscan_edge.mqtt.commands", description: "Commands received, by outcome");
        _commitMilliseconds = _meter.CreateHistogram<double>(CommitDurationName, unit: "ms", description: "Time to commit a batch to the outbox (fsync included when durable)");
    }

    /// <summary>QoS 1 messages acknowledged since start.</summary>
    public long PublishedTotal => Interlocked.Read(ref _publishedTotal);

    /// <summary>Connections made since start.</summary>
    public long ConnectsTotal => Interlocked.Read(ref _connectsTotal);

    /// <summary>Registers the outbox depth and size as observable gauges.</summary>
    public void ObserveOutbox(Func<long> depth, Func<long> bytes)
    {
        _meter.CreateObservableGauge("portscan_edge.outbox.depth", depth, description: "Messages waiting in the outbox");
        _meter.CreateObservableGauge("portscan_edge.outbox.bytes", bytes, unit: "By", description: "Payload bytes waiting in the outbox");
    }

    internal void Published(long count)
    {
        Interlocked.Add(ref _publishedTotal, count);
        _published.Add(count);
    }

    internal void Dropped(long count, string reason) => _dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));

    internal void Connected()
    {
        Interlocked.Increment(ref _connectsTotal);
        _connects.Add(1);
    }

    internal void Command(string status) => _commands.Add(1, new KeyValuePair<string, object?>("status", status));

    internal void Commit(double milliseconds, bool durable) => _commitMilliseconds.Record(milliseconds, new KeyValuePair<string, object?>("durable", durable));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
