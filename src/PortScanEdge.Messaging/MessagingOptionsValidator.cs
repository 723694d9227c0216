using System.Globalization;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Messaging.Commands;

namespace PortScanEdge.Messaging;

/// <summary>The messaging rules the generic config validation cannot express (durations, identities in topics).</summary>
public sealed class MessagingOptionsValidator : IValidateOptions<PortScanEdgeOptions>
{
    /// <summary>The problems, as <c>key.path: message</c>.</summary>
    public static List<string> Check(PortScanEdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var mqtt = options.Mqtt;
        var problems = new List<string>();
        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"mqtt.{key}: must be longer than 0");
            }
        }

        Positive("keep_alive", mqtt.KeepAlive);
        Positive("ping_interval", mqtt.PingInterval);
        Positive("connect_timeout", mqtt.ConnectTimeout);
        Positive("reconnect_delay_min", mqtt.ReconnectDelayMin);
        Positive("publish_timeout", mqtt.PublishTimeout);
        Positive("telemetry_interval", mqtt.TelemetryInterval);
        if (mqtt.KeepAlive > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            problems.Add("mqtt.keep_alive: at most 18h (65535 s)");
        }

        if (mqtt.ReconnectDelayMax < mqtt.ReconnectDelayMin)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"mqtt.reconnect_delay_max: shorter than reconnect_delay_min ({mqtt.ReconnectDelayMin.TotalMilliseconds} ms)"));
        }

        if (mqtt.Outbox.MaxAge < TimeSpan.FromMinutes(1))
        {
            problems.Add("mqtt.outbox.max_age: at least 1m");
        }

        if (mqtt.Outbox.Path.Length == 0)
        {
            problems.Add("mqtt.outbox.path: must not be empty");
        }

        if (mqtt.ClientId.Length > 0 && !MqttTopics.IsValidLevel(mqtt.ClientId))
        {
            problems.Add($"mqtt.client_id: '{mqtt.ClientId}' must not contain '/', '+' or '#'");
        }

        for (var i = 0; i < mqtt.Commands.AllowedSenders.Count; i++)
        {
            if (!MqttTopics.IsValidLevel(mqtt.Commands.AllowedSenders[i]))
            {
                problems.Add($"mqtt.commands.allowed_senders[{i}]: '{mqtt.Commands.AllowedSenders[i]}' cannot be a topic level (no '/', '+', '#', not empty)");
            }
        }

        _ = CommandNames.All;
        return problems;
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PortScanEdgeOptions options)
    {
        var problems = Check(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
