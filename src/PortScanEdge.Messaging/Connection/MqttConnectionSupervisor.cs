using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Messaging.Contracts;

namespace PortScanEdge.Messaging.Connection;

/// <summary>One live connection to a broker. A new session (higher <see cref="Epoch"/>) follows every reconnect.</summary>
/// <param name="Client">The connected client.</param>
/// <param name="Epoch">Counts connections since start (1 for the first).</param>
/// <param name="Endpoint">The broker connected to.</param>
/// <param name="Protocol">Negotiated protocol version.</param>
/// <param name="ReceiveMaximum">QoS 1 messages the broker accepts in flight (CONNACK receive maximum; 65535 when absent).</param>
/// <param name="ConnectedAt">When CONNACK arrived.</param>
public sealed record MqttSession(IMqttClient Client, long Epoch, BrokerEndpoint Endpoint, MqttProtocolVersion Protocol, int ReceiveMaximum, DateTimeOffset ConnectedAt);

/// <summary>Something that needs to act on every new connection and see incoming messages (e.g. commands).</summary>
public interface IMqttConnectionListener
{
    /// <summary>Called after every successful connect (before the session is handed to the outbox relay), e.g. to subscribe.</summary>
    Task OnConnectedAsync(MqttSession session, CancellationToken cancellationToken);

    /// <summary>Called for every message received on the connection.</summary>
    Task OnMessageAsync(MqttSession session, MqttApplicationMessageReceivedEventArgs message);
}

/// <summary>
/// Keeps the gateway connected (MQTTnet 5 has no managed client): MQTT 5 or 3.1.1, clean start, CONNACK
/// reason codes checked (MQTTnet 5 returns refusals instead of throwing), reconnect with jittered exponential
/// backoff driven by this service's own ping loop — not by the disconnect event — failing over across
/// <c>mqtt.uris</c> in order. On every connect: retained availability <c>online</c> (the Last Will, registered at
/// connect, sets it <c>offline</c> if the connection dies), the retained birth message, then the listeners.
/// On clean shutdown: retained <c>offline</c>, then DISCONNECT (which discards the Will).
/// </summary>
public sealed class MqttConnectionSupervisor : BackgroundService
{
    private static readonly TimeSpan ShutdownPublishTimeout = TimeSpan.FromSeconds(2);
    private readonly MessagingRuntime _runtime;
    private readonly IReadOnlyList<IMqttConnectionListener> _listeners;
    private readonly ILogger<MqttConnectionSupervisor> _logger;
    private readonly IMqttClient _client;
    private readonly ReconnectBackoff _backoff;
    private readonly IReadOnlyList<BrokerEndpoint> _endpoints;
    private readonly ChangeSignal _wake = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource<MqttSession> _sessionReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MqttSession? _session;
    private MqttSession? _receiving;
    private LastWill? _pendingWill;
    private int _endpointIndex;
    private long _epoch;

    /// <summary>Creates the supervisor.</summary>
    public MqttConnectionSupervisor(MessagingRuntime runtime, IEnumerable<IMqttConnectionListener> listeners, ILogger<MqttConnectionSupervisor> logger)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        _listeners = [.. listeners];
        _logger = logger;
        var mqtt = runtime.Options.Mqtt;
        _endpoints = mqtt.Broker == MqttBrokerKind.Embedded
            ? [new BrokerEndpoint("127.0.0.1", mqtt.EmbeddedPort, false)]
            : [.. mqtt.Uris.Select(BrokerEndpoint.Parse)];
        _backoff = new ReconnectBackoff(mqtt.ReconnectDelayMin, mqtt.ReconnectDelayMax);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>The current session; null while disconnected.</summary>
    public MqttSession? Current
    {
        get
        {
            lock (_gate)
            {
                return _session;
            }
        }
    }

    /// <summary>Completes with a connected session (at once if there is one).</summary>
    public Task<MqttSession> WaitForSessionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _session is not null && _session.Client.IsConnected
                ? Task.FromResult(_session)
                : _sessionReady.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Tells the supervisor that <paramref name="session"/> looks broken (a publish timed out or failed); it checks at once.</summary>
    public void ReportBroken(MqttSession session, string reason)
    {
        ArgumentNullException.ThrowIfNull(session);
        MessagingLog.SessionReportedBroken(_logger, session.Epoch, reason);
        lock (_gate)
        {
            if (_session is not null && _session.Epoch == session.Epoch)
            {
                _session = null;
                _ = Task.Run(() => _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.UnspecifiedError, reason));
            }
        }

        _wake.Notify();
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        var session = Current;
        if (session is null || !_client.IsConnected)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ShutdownPublishTimeout);
        try
        {
            var (payload, _) = await _runtime.GatewayMessageAsync(
                MessageSchemas.Availability,
                new AvailabilityPayload(AvailabilityStatus.Offline, AvailabilityReason.Shutdown, _runtime.Time.GetUtcNow()),
                timeout.Token).ConfigureAwait(false);
            var result = await _client.PublishAsync(Message(_runtime.Topics.Availability, payload, retain: true, session.Protocol), timeout.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
            MessagingLog.DisconnectedCleanly(_logger, session.Endpoint.Uri, result.ReasonCode);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            MessagingLog.ShutdownPublishFailed(_logger, ex.Message);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    internal static MqttApplicationMessage Message(string topic, byte[] payload, bool retain, MqttProtocolVersion protocol, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, uint expirySeconds = 0)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(qos);
        if (protocol == MqttProtocolVersion.V500)
        {
            builder.WithContentType("application/json").WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);
            if (expirySeconds > 0)
            {
                builder.WithMessageExpiryInterval(expirySeconds);
            }
        }

        return builder.Build();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pingInterval = _runtime.Options.Mqtt.PingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    LoseSession();
                    if (!await TryConnectAsync(stoppingToken).ConfigureAwait(false))
                    {
                        var delay = _backoff.Next();
                        MessagingLog.ReconnectScheduled(_logger, delay.TotalMilliseconds, _backoff.Failures, _endpoints[_endpointIndex].Uri);
                        await Task.Delay(delay, _runtime.Time, stoppingToken).ConfigureAwait(false);
                    }

                    continue;
                }

                var seen = _wake.Version;
                await _wake.WaitAsync(seen, pingInterval, stoppingToken).ConfigureAwait(false);
                if (!_client.IsConnected)
                {
                    continue;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(_runtime.Options.Mqtt.ConnectTimeout);
                if (!await _client.TryPingAsync(timeout.Token).ConfigureAwait(false) && !stoppingToken.IsCancellationRequested)
                {
                    var broker = Current?.Endpoint.Uri ?? "?";
                    MessagingLog.PingFailed(_logger, broker);
                    await _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.UnspecifiedError, "ping failed").ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                MessagingLog.SupervisorError(_logger, ex.Message, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), _runtime.Time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void LoseSession()
    {
        lock (_gate)
        {
            if (_session is null && !_sessionReady.Task.IsCompleted)
            {
                return;
            }

            if (_session is not null)
            {
                MessagingLog.ConnectionLost(_logger, _session.Endpoint.Uri, _session.Epoch);
            }

            _session = null;
            if (_sessionReady.Task.IsCompleted)
            {
                _sessionReady = new TaskCompletionSource<MqttSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private async Task<bool> TryConnectAsync(CancellationToken stoppingToken)
    {
        var endpoint = _endpoints[_endpointIndex];
        try
        {
            if (_pendingWill is null)
            {
                var (willPayload, _) = await _runtime.GatewayMessageAsync(
                    MessageSchemas.Availability,
                    new AvailabilityPayload(AvailabilityStatus.Offline, AvailabilityReason.ConnectionLost, _runtime.Time.GetUtcNow()),
                    stoppingToken).ConfigureAwait(false);
                _pendingWill = new LastWill(_runtime.Topics.Availability, willPayload);
            }

            var options = MqttClientOptionsFactory.Create(_runtime.Options, endpoint, _pendingWill);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_runtime.Options.Mqtt.ConnectTimeout);
            var result = await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                var reason = result.ReasonString ?? string.Empty;
                MessagingLog.ConnectRefused(_logger, endpoint.Uri, result.ResultCode, reason);
                _endpointIndex = (_endpointIndex + 1) % _endpoints.Count;
                return false;
            }

            _pendingWill = null;
            _backoff.Reset();
            var epoch = Interlocked.Increment(ref _epoch);
            var receiveMaximum = result.ReceiveMaximum is > 0 ? result.ReceiveMaximum.Value : 65535;
            var session = new MqttSession(_client, epoch, endpoint, options.ProtocolVersion, receiveMaximum, _runtime.Time.GetUtcNow());
            _runtime.Metrics.Connected();
            MessagingLog.Connected(_logger, endpoint.Uri, options.ProtocolVersion, epoch, receiveMaximum);
            Volatile.Write(ref _receiving, session);
            await AnnounceAsync(session, stoppingToken).ConfigureAwait(false);
            foreach (var listener in _listeners)
            {
                await listener.OnConnectedAsync(session, stoppingToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                _session = session;
                _sessionReady.TrySetResult(session);
            }

            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var error = ex.GetBaseException().Message;
            MessagingLog.ConnectFailed(_logger, endpoint.Uri, error);
            if (_client.IsConnected)
            {
                await _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.UnspecifiedError, "setup failed").ConfigureAwait(false);
            }

            _endpointIndex = (_endpointIndex + 1) % _endpoints.Count;
            return false;
        }
    }

    private async Task AnnounceAsync(MqttSession session, CancellationToken cancellationToken)
    {
        var options = _runtime.Options;
        var now = _runtime.Time.GetUtcNow();
        var (online, _) = await _runtime.GatewayMessageAsync(
            MessageSchemas.Availability,
            new AvailabilityPayload(AvailabilityStatus.Online, AvailabilityReason.Connected, now),
            cancellationToken).ConfigureAwait(false);
        var birth = new BirthPayload(
            GatewayVersion.Line,
            _runtime.StartedAt,
            now,
            session.Epoch,
            session.Endpoint.Uri,
            session.Protocol == MqttProtocolVersion.V500 ? "v5" : "v311",
            [.. options.Lanes.Select(l => new BirthLane(l.Id, l.Direction.ToString().ToLowerInvariant()))],
            _runtime.Topics.Gateway);
        var (birthPayload, _) = await _runtime.GatewayMessageAsync(MessageSchemas.Birth, birth, cancellationToken).ConfigureAwait(false);
        foreach (var (topic, payload) in new[] { (_runtime.Topics.Availability, online), (_runtime.Topics.Birth, birthPayload) })
        {
            var result = await session.Client.PublishAsync(Message(topic, payload, retain: true, session.Protocol), cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                var reason = result.ReasonString ?? string.Empty;
                MessagingLog.PublishRefused(_logger, topic, result.ReasonCode, reason);
            }
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var session = Volatile.Read(ref _receiving);
        if (session is null)
        {
            return;
        }

        foreach (var listener in _listeners)
        {
            try
            {
                await listener.OnMessageAsync(session, args).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                MessagingLog.ListenerFailed(_logger, args.ApplicationMessage.Topic, ex.Message, ex);
            }
        }
    }
}
