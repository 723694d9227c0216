using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Messaging.Connection;
using PortScanEdge.Messaging.Contracts;

namespace PortScanEdge.Messaging.Commands;

/// <summary>Outcome of a command.</summary>
public enum CommandStatus
{
    /// <summary>Carried out.</summary>
    Accepted,

    /// <summary>Not carried out: unauthorised, malformed, unknown, out of range, or refused by the lane. Nothing changed.</summary>
    Refused,

    /// <summary>The lane threw while carrying it out; see the reason.</summary>
    Failed,
}

/// <summary>Payload (<c>data</c>) of a command response.</summary>
/// <param name="RequestId">The request's <c>request_id</c> (empty when it had none).</param>
/// <param name="Command">Command name from the topic.</param>
/// <param name="Sender">Sender identity from the topic.</param>
/// <param name="Status">accepted, refused or failed.</param>
/// <param name="Reason">Why it was refused or failed, or a note on what was done.</param>
/// <param name="LaneId">The lane addressed, if any.</param>
/// <param name="Result">Figures returned (ping); absent for none.</param>
/// <param name="Duplicate">True when this request id was already executed and the stored response is repeated.</param>
public sealed record CommandResponsePayload(
    string RequestId,
    string Command,
    string Sender,
    CommandStatus Status,
    string Reason,
    string? LaneId,
    IReadOnlyDictionary<string, object?>? Result,
    bool Duplicate = false);

/// <summary>
/// Receives commands on <c>{root}/{gateway}/cmd/{name}/{sender}</c> and answers each one on its MQTT 5 response
/// topic with its correlation data (or, without one, on <c>…/cmd/{name}/{sender}/response</c>). In order:
/// retained commands are refused (a stale command must never run on reconnect); the sender must be in
/// <c>mqtt.commands.allowed_senders</c> (the topic's sender level is the identity the broker ACL binds to the
/// client: <c>pattern write …/cmd/+/%u</c>, and the embedded broker enforces it against the client id); the
/// payload must be a JSON object with a <c>request_id</c> and only known fields; the command and lane must exist;
/// a threshold must lie within <c>detection.threshold_min..threshold_max</c>. Only then is the lane called.
/// A repeated <c>request_id</c> from the same sender gets the stored response and is not executed twice.
/// Commands run one at a time; every outcome is logged.
/// </summary>
public sealed class CommandDispatcher(MessagingRuntime runtime, ILogger<CommandDispatcher> logger)
    : BackgroundService, IMqttConnectionListener, ICommandTargetRegistry
{
    private const int RememberedRequests = 512;
    private static readonly HashSet<string> KnownFields = ["request_id", "lane_id", "threshold", "transaction_id", "reason"];
    private readonly ConcurrentDictionary<string, ILaneCommandTarget> _targets = new(StringComparer.Ordinal);
    private readonly Channel<Incoming> _incoming = Channel.CreateBounded<Incoming>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Dictionary<string, CommandResponsePayload> _done = new(StringComparer.Ordinal);
    private readonly Queue<string> _doneOrder = new();

    /// <inheritdoc />
    public IDisposable Register(ILaneCommandTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _targets[target.LaneId] = target;
        return new Registration(this, target);
    }

    /// <inheritdoc />
    public async Task OnConnectedAsync(MqttSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!runtime.Options.Mqtt.Commands.Enabled)
        {
            return;
        }

        var result = await session.Client.SubscribeAsync(runtime.Topics.CommandFilter, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken).ConfigureAwait(false);
        foreach (var item in result.Items)
        {
            if ((int)item.ResultCode > 2)
            {
                MessagingLog.SubscribeRefused(logger, item.TopicFilter.Topic, item.ResultCode.ToString());
            }
        }
    }

    /// <inheritdoc />
    public Task OnMessageAsync(MqttSession session, MqttApplicationMessageReceivedEventArgs message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var application = message.ApplicationMessage;
        if (!runtime.Topics.TryParseCommand(application.Topic, out var name, out var sender))
        {
            return Task.CompletedTask;
        }

        var incoming = new Incoming(session, name, sender, application.Payload.ToArray(), application.Retain, application.ResponseTopic, application.CorrelationData, runtime.Time.GetUtcNow());
        if (!_incoming.Writer.TryWrite(incoming))
        {
            MessagingLog.CommandQueueFull(logger, name, sender);
        }

        return Task.CompletedTask;
    }

    /// <summary>Decides and executes one command; returns the response (exposed for tests).</summary>
    internal async Task<CommandResponsePayload> ExecuteAsync(string name, string sender, ReadOnlyMemory<byte> payload, bool retained, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var request = ParsedRequest.Empty;
        CommandResponsePayload Refuse(string reason) => new(request.RequestId, name, sender, CommandStatus.Refused, reason, request.LaneId, null);

        if (retained)
        {
            return Refuse("retained commands are never executed; publish commands with retain=false");
        }

        var allowed = runtime.Options.Mqtt.Commands.AllowedSenders;
        if (!allowed.Contains(sender, StringComparer.Ordinal))
        {
            return Refuse($"not authorised: sender '{sender}' is not in mqtt.commands.allowed_senders");
        }

        if (!ParsedRequest.TryParse(payload, out request, out var malformed))
        {
            return Refuse("malformed: " + malformed);
        }

        var key = sender + "\n" + request.RequestId;
        if (_done.TryGetValue(key, out var earlier))
        {
            return earlier with { Duplicate = true };
        }

        if (!CommandNames.All.Contains(name, StringComparer.Ordinal))
        {
            return Remember(key, Refuse($"unknown command '{name}'; known: {string.Join(", ", CommandNames.All)}"));
        }

        var context = new CommandContext(name, request.RequestId, sender, request.Reason ?? string.Empty, receivedAt);
        if (name == CommandNames.Ping && request.LaneId is null)
        {
            return Remember(key, new CommandResponsePayload(request.RequestId, name, sender, CommandStatus.Accepted, "pong", null, GatewayPing()));
        }

        if (request.LaneId is null)
        {
            return Remember(key, Refuse($"malformed: '{name}' needs lane_id"));
        }

        if (!runtime.Options.Lanes.Any(l => l.Id == request.LaneId))
        {
            return Remember(key, Refuse($"unknown lane '{request.LaneId}'; this gateway serves {string.Join(", ", runtime.Options.Lanes.Select(l => l.Id))}"));
        }

        if (!_targets.TryGetValue(request.LaneId, out var target))
        {
            return Remember(key, Refuse($"lane '{request.LaneId}' is not accepting commands (its lane service is not running)"));
        }

        var detection = runtime.Options.Detection;
        if (name == CommandNames.SetThreshold)
        {
            if (request.Threshold is not { } threshold)
            {
                return Remember(key, Refuse("malformed: set_threshold needs a numeric 'threshold'"));
            }

            if (threshold < detection.ThresholdMin || threshold > detection.ThresholdMax)
            {
                return Remember(key, Refuse(string.Create(CultureInfo.InvariantCulture,
                    $"out of range: threshold {threshold} is outside detection.threshold_min..threshold_max ({detection.ThresholdMin}..{detection.ThresholdMax})")));
            }
        }
        else if (request.Threshold is not null)
        {
            return Remember(key, Refuse($"malformed: 'threshold' is not a parameter of {name}"));
        }

        if (request.TransactionId is not null && name != CommandNames.Rescan)
        {
            return Remember(key, Refuse($"malformed: 'transaction_id' is not a parameter of {name}"));
        }

        CommandResult result;
        try
        {
            result = name switch
            {
                CommandNames.CloseLane => await target.CloseLaneAsync(context, cancellationToken).ConfigureAwait(false),
                CommandNames.OpenLane => await target.OpenLaneAsync(context, cancellationToken).ConfigureAwait(false),
                CommandNames.SetThreshold => await target.SetThresholdAsync(request.Threshold!.Value, context, cancellationToken).ConfigureAwait(false),
                CommandNames.Rescan => await target.RequestRescanAsync(request.TransactionId, context, cancellationToken).ConfigureAwait(false),
                _ => await target.PingAsync(context, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            return Remember(key, new CommandResponsePayload(request.RequestId, name, sender, CommandStatus.Failed, $"lane failed: {ex.Message}", request.LaneId, null));
        }

        return Remember(key, new CommandResponsePayload(
            request.RequestId, name, sender, result.Accepted ? CommandStatus.Accepted : CommandStatus.Refused, result.Reason, request.LaneId, result.Result));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var incoming in _incoming.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await HandleAsync(incoming, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task HandleAsync(Incoming incoming, CancellationToken cancellationToken)
    {
        CommandResponsePayload response;
        try
        {
            response = await ExecuteAsync(incoming.Name, incoming.Sender, incoming.Payload, incoming.Retained, incoming.ReceivedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        runtime.Metrics.Command(response.Status.ToString().ToLowerInvariant());
        if (response.Status == CommandStatus.Accepted)
        {
            MessagingLog.CommandAccepted(logger, incoming.Name, incoming.Sender, response.RequestId, response.LaneId ?? "-", response.Reason, response.Duplicate);
        }
        else
        {
            MessagingLog.CommandRefused(logger, incoming.Name, incoming.Sender, response.RequestId, response.LaneId ?? "-", response.Status.ToString().ToLowerInvariant(), response.Reason, response.Duplicate);
        }

        var session = incoming.Session;
        if (!session.Client.IsConnected)
        {
            return;
        }

        var topic = string.IsNullOrEmpty(incoming.ResponseTopic) ? runtime.Topics.DefaultResponse(incoming.Name, incoming.Sender) : incoming.ResponseTopic;
        try
        {
            var (payload, _) = await runtime.GatewayMessageAsync(MessageSchemas.CommandResponse, response, cancellationToken).ConfigureAwait(false);
            var builder = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (session.Protocol == MqttProtocolVersion.V500)
            {
                builder.WithContentType("application/json")
                    .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
                    .WithUserProperty("status", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(response.Status.ToString().ToLowerInvariant())))
                    .WithUserProperty("reason", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(response.Reason)))
                    .WithMessageExpiryInterval(300);
                if (incoming.CorrelationData is { Length: > 0 })
                {
                    builder.WithCorrelationData(incoming.CorrelationData);
                }
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(runtime.Options.Mqtt.PublishTimeout);
            await session.Client.PublishAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            MessagingLog.CommandResponseFailed(logger, incoming.Name, topic, ex.Message);
        }
    }

    private CommandResponsePayload Remember(string key, CommandResponsePayload response)
    {
        _done[key] = response;
        _doneOrder.Enqueue(key);
        while (_doneOrder.Count > RememberedRequests)
        {
            _done.Remove(_doneOrder.Dequeue());
        }

        return response;
    }

    private Dictionary<string, object?> GatewayPing() => new(StringComparer.Ordinal)
    {
        ["version"] = GatewayVersion.Line,
        ["uptime_seconds"] = Math.Round((runtime.Time.GetUtcNow() - runtime.StartedAt).TotalSeconds, 3),
        ["lanes"] = runtime.Options.Lanes.Select(l => l.Id).ToArray(),
        ["lanes_accepting_commands"] = _targets.Keys.Order(StringComparer.Ordinal).ToArray(),
        ["outbox_depth"] = runtime.Outbox.Depth,
    };

    private sealed record Incoming(MqttSession Session, string Name, string Sender, byte[] Payload, bool Retained, string? ResponseTopic, byte[]? CorrelationData, DateTimeOffset ReceivedAt);

    private sealed class Registration(CommandDispatcher owner, ILaneCommandTarget target) : IDisposable
    {
        public void Dispose() => owner._targets.TryRemove(new KeyValuePair<string, ILaneCommandTarget>(target.LaneId, target));
    }

    private sealed record ParsedRequest(string RequestId, string? LaneId, double? Threshold, string? TransactionId, string? Reason)
    {
        public static ParsedRequest Empty { get; } = new(string.Empty, null, null, null, null);

        public static bool TryParse(ReadOnlyMemory<byte> payload, out ParsedRequest request, out string error)
        {
            request = Empty;
            try
            {
                using var document = JsonDocument.Parse(payload);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    error = "the payload must be a JSON object";
                    return false;
                }

                foreach (var property in root.EnumerateObject())
                {
                    if (!KnownFields.Contains(property.Name))
                    {
                        error = $"unknown field '{property.Name}'";
                        return false;
                    }
                }

                if (!TryString(root, "request_id", out var requestId, out error) || requestId is null || requestId.Length is 0 or > 128)
                {
                    error = error.Length > 0 ? error : "request_id (1-128 characters) is required";
                    return false;
                }

                request = request with { RequestId = requestId };
                if (!TryString(root, "lane_id", out var laneId, out error) ||
                    !TryString(root, "transaction_id", out var transactionId, out error) ||
                    !TryString(root, "reason", out var reason, out error))
                {
                    return false;
                }

                double? threshold = null;
                if (root.TryGetProperty("threshold", out var thresholdElement))
                {
                    if (thresholdElement.ValueKind != JsonValueKind.Number || !thresholdElement.TryGetDouble(out var value) || !double.IsFinite(value))
                    {
                        error = "'threshold' must be a number";
                        return false;
                    }

                    threshold = value;
                }

                request = new ParsedRequest(requestId, laneId, threshold, transactionId, reason);
                error = string.Empty;
                return true;
            }
            catch (JsonException ex)
            {
                error = "not JSON: " + ex.Message;
                return false;
            }
        }

        private static bool TryString(JsonElement root, string name, out string? value, out string error)
        {
            value = null;
            error = string.Empty;
            if (!root.TryGetProperty(name, out var element))
            {
                return true;
            }

            if (element.ValueKind != JsonValueKind.String)
            {
                error = $"'{name}' must be a string";
                return false;
            }

            value = element.GetString();
            return true;
        }
    }
}
