using System.Globalization;

namespace PortScanEdge.Messaging.Connection;

/// <summary>One broker to try: host, port and whether TLS is used.</summary>
/// <param name="Host">Host name or address (also the name TLS validates).</param>
/// <param name="Port">TCP port.</param>
/// <param name="UseTls">True for <c>mqtts://</c>.</param>
public sealed record BrokerEndpoint(string Host, int Port, bool UseTls)
{
    /// <summary>The URI form, e.g. <c>mqtts://broker:8883</c>.</summary>
    public string Uri { get; } = string.Create(CultureInfo.InvariantCulture, $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}");

    /// <summary>Parses <c>mqtt://host[:port]</c> or <c>mqtts://host[:port]</c> (defaults 1883 and 8883).</summary>
    public static BrokerEndpoint Parse(string uri)
    {
        var parsed = new System.Uri(uri, UriKind.Absolute);
        var tls = parsed.Scheme switch
        {
            "mqtt" => false,
            "mqtts" => true,
            _ => throw new FormatException($"'{uri}' is not an mqtt:// or mqtts:// URI"),
        };
        var port = parsed.IsDefaultPort || parsed.Port < 0 ? (tls ? 8883 : 1883) : parsed.Port;
        return new BrokerEndpoint(parsed.IdnHost, port, tls);
    }

    /// <inheritdoc />
    public override string ToString() => Uri;
}
