namespace PortScanEdge.Core.Configuration;

/// <summary>Which broker the gateway publishes to.</summary>
public enum MqttBrokerKind
{
    /// <summary>An MQTTnet broker inside the gateway on 127.0.0.1, for the demo only: not durable, not for production.</summary>
    Embedded,

    /// <summary>External brokers listed in <c>uris</c>, tried in order (failover).</summary>
    External,
}

/// <summary>MQTT protocol version.</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 5.0.</summary>
    V5,

    /// <summary>MQTT 3.1.1.</summary>
    V311,
}

/// <summary>TLS settings for the broker connection.</summary>
public sealed class MqttTlsOptions
{
    [Doc("PEM file of the CA that signed the broker's certificate; empty uses the system trust store.")]
    public string CaFile { get; set; } = string.Empty;

    [Doc("PEM client certificate for mutual TLS; empty for none.")]
    public string CertFile { get; set; } = string.Empty;

    [Doc("PEM private key of the client certificate.")]
    public string KeyFile { get; set; } = string.Empty;

    [Doc("Passphrase of the private key, as ${ENV_NAME} or file:/path.")]
    public SecretReference? KeyPassphrase { get; set; }
}

/// <summary>Publishing to the control room.</summary>
public sealed class MqttOptions
{
    [Doc("'embedded' runs a demo broker inside the gateway (not durable, not for production); 'external' uses uris.")]
    public MqttBrokerKind Broker { get; set; } = MqttBrokerKind.Embedded;

    [Doc("TCP port of the embedded broker on 127.0.0.1.")]
    [Bounds(1, 65535)]
    public int EmbeddedPort { get; set; } = 1883;

    [Doc("External broker URIs in failover order, e.g. mqtts://broker.port.example:8883 or mqtt://10.0.0.5:1883.")]
    public List<string> Uris { get; set; } = [];

    [Doc("MQTT client id; empty means portscan-edge-{gateway.id}.")]
    public string ClientId { get; set; } = string.Empty;

    [Doc("Protocol version.")]
    public MqttProtocol Protocol { get; set; } = MqttProtocol.V5;

    [Doc("User name for the broker; empty for none.")]
    public string Username { get; set; } = string.Empty;

    [Doc("Password, as ${ENV_NAME} or file:/path — never inline.")]
    public SecretReference? Password { get; set; }

    [Doc("TLS settings (used for mqtts:// URIs).")]
    public MqttTlsOptions Tls { get; set; } = new();

    [Doc("Root of the topic tree; {site} is replaced by site.id.")]
    public string TopicRoot { get; set; } = "portscan/v1/{site}";
}
