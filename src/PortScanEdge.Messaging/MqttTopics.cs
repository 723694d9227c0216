using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Messaging;

/// <summary>
/// The topic tree (docs/asyncapi.yaml). Everything a gateway publishes or receives lives under
/// <c>{topic_root}/{gateway}</c>, with <c>{site}</c> in the root replaced by the site id:
/// <code>
/// portscan/v1/{site}/{gateway}/availability              retained, QoS 1, Last Will = offline
/// portscan/v1/{site}/{gateway}/birth                     retained, QoS 1, on every connect
/// portscan/v1/{site}/{gateway}/telemetry                 QoS 0
/// portscan/v1/{site}/{gateway}/audit/checkpoint          retained, QoS 1
/// portscan/v1/{site}/{gateway}/devices/{device}/health   retained, QoS 1
/// portscan/v1/{site}/{gateway}/lanes/{lane}/state        retained, QoS 1
/// portscan/v1/{site}/{gateway}/lanes/{lane}/records      QoS 1
/// portscan/v1/{site}/{gateway}/lanes/{lane}/alerts       QoS 1
/// portscan/v1/{site}/{gateway}/lanes/{lane}/decisions    QoS 1
/// portscan/v1/{site}/{gateway}/cmd/{name}/{sender}       commands in (sender = the sender's identity)
/// portscan/v1/{site}/{gateway}/cmd/{name}/{sender}/response   default response topic (MQTT 3.1.1 senders)
/// </code>
/// </summary>
public sealed class MqttTopics
{
    /// <summary>Creates the topic map for one gateway.</summary>
    public MqttTopics(string topicRoot, string siteId, string gatewayId)
    {
        ArgumentNullException.ThrowIfNull(topicRoot);
        Root = topicRoot.Replace("{site}", siteId, StringComparison.Ordinal);
        GatewayId = gatewayId;
        Gateway = Root + "/" + gatewayId;
    }

    /// <summary>Creates the topic map from the configuration.</summary>
    public static MqttTopics From(PortScanEdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MqttTopics(options.Mqtt.TopicRoot, options.Site.Id, options.Gateway.Id);
    }

    /// <summary>The root with the site filled in, e.g. <c>portscan/v1/demo-port</c>.</summary>
    public string Root { get; }

    /// <summary>The gateway id.</summary>
    public string GatewayId { get; }

    /// <summary><c>{root}/{gateway}</c>.</summary>
    public string Gateway { get; }

    /// <summary>Retained availability; the Last Will sets it offline.</summary>
    public string Availability => Gateway + "/availability";

    /// <summary>Retained birth message.</summary>
    public string Birth => Gateway + "/birth";

    /// <summary>Telemetry (QoS 0).</summary>
    public string Telemetry => Gateway + "/telemetry";

    /// <summary>Retained gateway health summary.</summary>
    public string Health => Gateway + "/health";

    /// <summary>Retained audit checkpoint.</summary>
    public string AuditCheckpoint => Gateway + "/audit/checkpoint";

    /// <summary>Filter matching every command to this gateway.</summary>
    public string CommandFilter => Gateway + "/cmd/+/+";

    /// <summary>Retained device health.</summary>
    public string DeviceHealth(string deviceId) => $"{Gateway}/devices/{deviceId}/health";

    /// <summary>Retained lane state.</summary>
    public string LaneState(string laneId) => $"{Gateway}/lanes/{laneId}/state";

    /// <summary>Vehicle transaction records.</summary>
    public string Records(string laneId) => $"{Gateway}/lanes/{laneId}/records";

    /// <summary>Alerts.</summary>
    public string Alerts(string laneId) => $"{Gateway}/lanes/{laneId}/alerts";

    /// <summary>Operator decisions.</summary>
    public string Decisions(string laneId) => $"{Gateway}/lanes/{laneId}/decisions";

    /// <summary>Topic a sender publishes a command to.</summary>
    public string Command(string name, string sender) => $"{Gateway}/cmd/{name}/{sender}";

    /// <summary>Where the response goes when the command carried no MQTT 5 response topic.</summary>
    public string DefaultResponse(string name, string sender) => $"{Gateway}/cmd/{name}/{sender}/response";

    /// <summary>Splits a command topic into its name and sender; false for anything else.</summary>
    public bool TryParseCommand(string topic, out string name, out string sender)
    {
        ArgumentNullException.ThrowIfNull(topic);
        name = sender = string.Empty;
        var prefix = Gateway + "/cmd/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = topic[prefix.Length..].Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return false;
        }

        name = parts[0];
        sender = parts[1];
        return true;
    }

    /// <summary>True when the text can be one topic level (no '/', '+', '#' or NUL, not empty).</summary>
    public static bool IsValidLevel(string text) =>
        !string.IsNullOrEmpty(text) && text.AsSpan().IndexOfAny("/+#\0") < 0;
}
