using MQTTnet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Messaging.Connection;

namespace PortScanEdge.Messaging.Outbox;

/// <summary>
/// Publishes the outbox to the broker in outbox order (so in order per lane), with up to
/// <c>mqtt.max_inflight</c> messages awaiting PUBACK (never more than the broker's receive maximum), and deletes
/// a message only after its PUBACK. Any failure (timeout, lost connection, a refusal reason code) stops the
/// window, and sending resumes from the oldest unacknowledged message on the next session: at-least-once, so a
/// consumer may see a message twice — always with the same <c>message_id</c> — but never a later message of a
/// stream before an earlier one on first delivery.
/// </summary>
public sealed class OutboxRelay(MessagingRuntime runtime, MqttConnectionSupervisor supervisor, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int ReadBatch = 256;
    private const int DeleteBatch = 256;
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RefusalBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);
    private readonly List<long> _acknowledged = new(DeleteBatch);
    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;

    /// <summary>Completes when the outbox is empty and nothing is in flight (used by tests and the benchmark).</summary>
    public async Task WaitUntilDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancellation.CancelAfter(timeout);
        while (runtime.Outbox.Depth > 0)
        {
            await Task.Delay(10, cancellation.Token).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var outbox = runtime.Outbox;
        while (!stoppingToken.IsCancellationRequested)
        {
            MqttSession session;
            try
            {
                session = await supervisor.WaitForSessionAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                await RelayAsync(outbox, session, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (PublishRefusedException ex)
            {
                MessagingLog.RelayRefused(logger, ex.Topic, ex.ReasonCode, ex.Reason, RefusalBackoff.TotalSeconds);
                await DelayQuietly(RefusalBackoff, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                supervisor.ReportBroken(session, ex.GetBaseException().Message);
            }
            finally
            {
                await FlushDeletesAsync(outbox).ConfigureAwait(false);
            }
        }

        await FlushDeletesAsync(outbox).ConfigureAwait(false);
    }

    private static async Task DelayQuietly(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RelayAsync(SqliteOutbox outbox, MqttSession session, CancellationToken stoppingToken)
    {
        var options = runtime.Options.Mqtt;
        var window = Math.Max(1, Math.Min(options.MaxInflight, session.ReceiveMaximum));
        var inflight = new Queue<(OutboxEntry Entry, Task<MqttClientPublishResult> Ack, CancellationTokenSource Timeout)>(window);
        long cursor = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested && session.Client.IsConnected)
            {
                await PurgeIfDueAsync(outbox, stoppingToken).ConfigureAwait(false);
                var seen = outbox.Added.Version;
                var batch = outbox.ReadAfter(cursor, ReadBatch);
                if (batch.Count == 0)
                {
                    if (inflight.Count > 0)
                    {
                        // Nothing new to send: wait for the oldest PUBACK or a new message, whichever comes first,
                        // so a message committed while earlier ones are in flight is sent at once, not after them.
                        await Task.WhenAny(inflight.Peek().Ack, outbox.Added.WaitAsync(seen, IdleWait, stoppingToken)).ConfigureAwait(false);
                        while (inflight.Count > 0 && inflight.Peek().Ack.IsCompleted)
                        {
                            await CompleteHeadAsync(inflight).ConfigureAwait(false);
                        }

                        continue;
                    }

                    await FlushDeletesAsync(outbox).ConfigureAwait(false);
                    await outbox.Added.WaitAsync(seen, IdleWait, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                var now = runtime.Time.GetUtcNow();
                foreach (var entry in batch)
                {
                    cursor = entry.Id;
                    var remaining = entry.ExpiresAt - now;
                    if (remaining <= TimeSpan.Zero)
                    {
                        // The age bound's purge counts and logs it; never send what has expired.
                        continue;
                    }

                    while (inflight.Count >= window)
                    {
                        await CompleteHeadAsync(inflight).ConfigureAwait(false);
                    }

                    var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(options.PublishTimeout);
                    var message = MqttConnectionSupervisor.Message(
                        entry.Topic, entry.Payload, entry.Retain, session.Protocol,
                        expirySeconds: (uint)Math.Clamp(Math.Ceiling(remaining.TotalSeconds), 1, uint.MaxValue));
                    inflight.Enqueue((entry, session.Client.PublishAsync(message, timeout.Token), timeout));
                }

                if (_acknowledged.Count >= DeleteBatch)
                {
                    await FlushDeletesAsync(outbox).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Whatever is still in flight: keep the acknowledgements that arrive, forget the rest (resent next session).
            while (inflight.Count > 0)
            {
                var (entry, ack, timeout) = inflight.Dequeue();
                try
                {
                    var result = await ack.ConfigureAwait(false);
                    if (result.IsSuccess)
                    {
                        _acknowledged.Add(entry.Id);
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Not acknowledged: stays in the outbox.
                }
                finally
                {
                    timeout.Dispose();
                }
            }
        }
    }

    private async Task CompleteHeadAsync(Queue<(OutboxEntry Entry, Task<MqttClientPublishResult> Ack, CancellationTokenSource Timeout)> inflight)
    {
        var (entry, ack, timeout) = inflight.Peek();
        MqttClientPublishResult result;
        try
        {
            result = await ack.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no PUBACK for {entry.Topic} #{entry.Sequence} within {runtime.Options.Mqtt.PublishTimeout.TotalSeconds:0.#} s");
        }

        inflight.Dequeue();
        timeout.Dispose();
        if (!result.IsSuccess)
        {
            throw new PublishRefusedException(entry.Topic, result.ReasonCode.ToString(), result.ReasonString ?? string.Empty);
        }

        _acknowledged.Add(entry.Id);
    }

    private async Task FlushDeletesAsync(SqliteOutbox outbox)
    {
        if (_acknowledged.Count == 0)
        {
            return;
        }

        var ids = _acknowledged.ToArray();
        _acknowledged.Clear();
        try
        {
            await outbox.DeleteAsync(ids).ConfigureAwait(false);
            runtime.Metrics.Published(ids.Length);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The messages were delivered; failing to delete them means they are sent again (same message_id).
            MessagingLog.OutboxFailure(logger, ex.Message, ex);
        }
    }

    private async Task PurgeIfDueAsync(SqliteOutbox outbox, CancellationToken cancellationToken)
    {
        var now = runtime.Time.GetUtcNow();
        if (now - _lastPurge < PurgeInterval)
        {
            return;
        }

        _lastPurge = now;
        await outbox.PurgeExpiredAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class PublishRefusedException(string topic, string reasonCode, string reason)
        : Exception($"broker refused {topic}: {reasonCode} {reason}")
    {
        public string Topic { get; } = topic;

        public string ReasonCode { get; } = reasonCode;

        public string Reason { get; } = reason;
    }
}
