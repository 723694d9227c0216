using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;

namespace PortScanEdge.Messaging;

/// <summary>Source-generated log messages of the messaging layer. Event ids 7000-7999 belong to this project.</summary>
internal static partial class MessagingLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "MQTT connected to {Broker} ({Protocol}), connection #{Epoch}, broker receive maximum {ReceiveMaximum}")]
    public static partial void Connected(ILogger logger, string broker, MqttProtocolVersion protocol, long epoch, int receiveMaximum);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "MQTT broker {Broker} refused the connection: {ResultCode} {ReasonString}")]
    public static partial void ConnectRefused(ILogger logger, string broker, MqttClientConnectResultCode resultCode, string reasonString);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "MQTT connection to {Broker} failed: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string broker, string error);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "MQTT reconnect in {DelayMilliseconds:0} ms (attempt {Attempt}, next broker {Broker}); records wait in the outbox")]
    public static partial void ReconnectScheduled(ILogger logger, double delayMilliseconds, int attempt, string broker);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "MQTT connection #{Epoch} to {Broker} lost")]
    public static partial void ConnectionLost(ILogger logger, string broker, long epoch);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "MQTT ping to {Broker} failed; reconnecting")]
    public static partial void PingFailed(ILogger logger, string broker);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "MQTT connection #{Epoch} reported broken: {Reason}")]
    public static partial void SessionReportedBroken(ILogger logger, long epoch, string reason);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "MQTT published offline and disconnected from {Broker} (PUBACK {ReasonCode})")]
    public static partial void DisconnectedCleanly(ILogger logger, string broker, MqttClientPublishReasonCode reasonCode);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Warning, Message = "MQTT could not publish offline on shutdown ({Error}); the broker will publish the Last Will")]
    public static partial void ShutdownPublishFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Warning, Message = "MQTT broker refused a publish to {Topic}: {ReasonCode} {ReasonString}")]
    public static partial void PublishRefused(ILogger logger, string topic, MqttClientPublishReasonCode reasonCode, string reasonString);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Error, Message = "MQTT connection supervisor error: {Error}")]
    public static partial void SupervisorError(ILogger logger, string error, Exception exception);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Error, Message = "MQTT listener failed on {Topic}: {Error}")]
    public static partial void ListenerFailed(ILogger logger, string topic, string error, Exception exception);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Error, Message = "Outbox failure: {Error}")]
    public static partial void OutboxFailure(ILogger logger, string error, Exception exception);

    [LoggerMessage(EventId = 7021, Level = LogLevel.Warning, Message = "Outbox full: dropped the {Count} oldest message(s) to stay within {MaxMessages} messages / {MaxMegabytes} MB ({Total} dropped since start); consumers see a gap in sequence")]
    public static partial void OutboxFull(ILogger logger, long count, long maxMessages, long maxMegabytes, long total);

    [LoggerMessage(EventId = 7022, Level = LogLevel.Warning, Message = "Outbox: dropped {Count} message(s) older than {MaxAgeHours} h ({Total} dropped since start); consumers see a gap in sequence")]
    public static partial void OutboxExpired(ILogger logger, long count, double maxAgeHours, long total);

    [LoggerMessage(EventId = 7023, Level = LogLevel.Error, Message = "MQTT broker refused an outbox message on {Topic}: {ReasonCode} {Reason}; it stays in the outbox and is retried in {RetrySeconds} s")]
    public static partial void RelayRefused(ILogger logger, string topic, string reasonCode, string reason, double retrySeconds);

    [LoggerMessage(EventId = 7024, Level = LogLevel.Information, Message = "Outbox {Path}: {Depth} message(s) waiting from before the restart")]
    public static partial void OutboxOpened(ILogger logger, string path, long depth);

    [LoggerMessage(EventId = 7030, Level = LogLevel.Information, Message = "Command {Command} from {Sender} (request {RequestId}, lane {Lane}) accepted: {Reason} (duplicate: {Duplicate})")]
    public static partial void CommandAccepted(ILogger logger, string command, string sender, string requestId, string lane, string reason, bool duplicate);

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning, Message = "Command {Command} from {Sender} (request {RequestId}, lane {Lane}) {Status}: {Reason} (duplicate: {Duplicate})")]
    public static partial void CommandRefused(ILogger logger, string command, string sender, string requestId, string lane, string status, string reason, bool duplicate);

    [LoggerMessage(EventId = 7032, Level = LogLevel.Warning, Message = "Command queue full: dropped {Command} from {Sender}")]
    public static partial void CommandQueueFull(ILogger logger, string command, string sender);

    [LoggerMessage(EventId = 7033, Level = LogLevel.Warning, Message = "Could not send the response to {Command} on {Topic}: {Error}")]
    public static partial void CommandResponseFailed(ILogger logger, string command, string topic, string error);

    [LoggerMessage(EventId = 7034, Level = LogLevel.Error, Message = "MQTT broker refused the subscription {Filter}: {ResultCode}; commands will not be received")]
    public static partial void SubscribeRefused(ILogger logger, string filter, string resultCode);

    [LoggerMessage(EventId = 7040, Level = LogLevel.Warning, Message = "Embedded MQTT broker listening on 127.0.0.1:{Port} — demo only: not durable, no TLS, no authentication; use mqtt.broker: external in production")]
    public static partial void EmbeddedBrokerStarted(ILogger logger, int port);

    [LoggerMessage(EventId = 7041, Level = LogLevel.Critical, Message = "Embedded MQTT broker cannot listen on 127.0.0.1:{Port}: {Error}")]
    public static partial void EmbeddedBrokerFailed(ILogger logger, int port, string error);

    [LoggerMessage(EventId = 7050, Level = LogLevel.Debug, Message = "Telemetry not published: {Error}")]
    public static partial void TelemetryFailed(ILogger logger, string error);
}
