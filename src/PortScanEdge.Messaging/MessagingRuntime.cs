using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Messaging.Outbox;

namespace PortScanEdge.Messaging;

/// <summary>
/// What every messaging service shares: the options, the topic map, the envelope factory, the outbox (opened
/// on first use under <c>gateway.data_dir</c>) and the process start time.
/// </summary>
public sealed class MessagingRuntime : IAsyncDisposable
{
    private readonly Lazy<SqliteOutbox> _outbox;

    /// <summary>Creates the runtime from the gateway options.</summary>
    public MessagingRuntime(IOptions<PortScanEdgeOptions> options, TimeProvider time, MessagingMetrics metrics, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Options = options.Value;
        Time = time;
        Metrics = metrics;
        Topics = MqttTopics.From(Options);
        Envelopes = new EnvelopeFactory(Options.Site.Id, Options.Gateway.Id);
        StartedAt = time.GetUtcNow();
        var outboxOptions = Options.Mqtt.Outbox;
        _outbox = new Lazy<SqliteOutbox>(() =>
        {
            var outbox = SqliteOutbox.Open(
                Options.ResolveDataPath(outboxOptions.Path),
                new OutboxLimits(outboxOptions.MaxMessages, (long)outboxOptions.MaxMegabytes * 1024 * 1024, outboxOptions.MaxAge),
                Envelopes,
                time,
                loggerFactory.CreateLogger<SqliteOutbox>(),
                metrics);
            metrics.ObserveOutbox(() => outbox.Depth, () => outbox.Bytes);
            return outbox;
        });
    }

    /// <summary>The gateway options.</summary>
    public PortScanEdgeOptions Options { get; }

    /// <summary>Clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Metrics.</summary>
    public MessagingMetrics Metrics { get; }

    /// <summary>The topic map.</summary>
    public MqttTopics Topics { get; }

    /// <summary>Builds envelopes.</summary>
    public EnvelopeFactory Envelopes { get; }

    /// <summary>When the gateway (this runtime) started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The durable outbox.</summary>
    public SqliteOutbox Outbox => _outbox.Value;

    /// <summary>Serialises a gateway-stream message sent directly (not through the outbox), with a fresh sequence.</summary>
    public async Task<(byte[] Payload, string MessageId)> GatewayMessageAsync(string schema, object data, CancellationToken cancellationToken)
    {
        var sequence = await Outbox.NextSequenceAsync(Streams.Gateway, cancellationToken).ConfigureAwait(false);
        var now = Time.GetUtcNow();
        var messageId = Core.Transactions.Ulid.New(now);
        return (Envelopes.Serialize(schema, null, sequence, messageId, now, data), messageId);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_outbox.IsValueCreated)
        {
            await _outbox.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
