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

    [Doc("Check that the broker's certificate names the host in the URI; turn off only for brokers reached by an address their certificate does not list.")]
    public bool ValidateHostname { get; set; } = true;
}

/// <summary>The durable outbox every QoS 1 message is committed to before it is sent.</summary>
public sealed class MqttOutboxOptions
{
    [Doc("SQLite file of the outbox (WAL, synchronous=FULL); relative paths are resolved against gateway.data_dir.")]
    public string Path { get; set; } = "outbox/outbox.db";

    [Doc("Most messages kept while the broker is unreachable; past it the oldest are dropped, counted and logged.")]
    [Bounds(100, 100_000_000)]
    public int MaxMessages { get; set; } = 1_000_000;

    [Doc("Most payload megabytes kept while the broker is unreachable; past it the oldest are dropped, counted and logged.")]
    [Bounds(1, 1_000_000)]
    public int MaxMegabytes { get; set; } = 2048;

    [Doc("Oldest message kept; older ones are dropped, counted and logged. Also sent as the MQTT 5 message expiry.")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(168);
}

/// <summary>Commands from the control room.</summary>
public sealed class MqttCommandOptions
{
    [Doc("Subscribe to commands on {topic_root}/{gateway}/cmd/{name}/{sender}; false ignores every command.")]
    public bool Enabled { get; set; } = true;

    [Doc("Sender identities allowed to command this gateway: MQTT client ids, or certificate identities mapped to user names by the broker (use_identity_as_username). Empty refuses every command.")]
    public List<string> AllowedSenders { get; set; } = [];
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

    [Doc("MQTT keep-alive period announced to the broker.")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    [Doc("How often the connection supervisor pings the broker; a failed ping starts a reconnect.")]
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Doc("Time allowed for TCP, TLS and CONNACK when connecting, and for one ping.")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Doc("First reconnect delay; doubles after each failed attempt (with jitter) up to reconnect_delay_max.")]
    public TimeSpan ReconnectDelayMin { get; set; } = TimeSpan.FromMilliseconds(500);

    [Doc("Longest reconnect delay.")]
    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(30);

    [Doc("QoS 1 messages in flight (sent, PUBACK not yet received); capped by the broker's receive maximum.")]
    [Bounds(1, 1000)]
    public int MaxInflight { get; set; } = 32;

    [Doc("Time allowed for the PUBACK of one message before the connection is considered broken.")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Doc("How often gateway telemetry (QoS 0) is published.")]
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    [Doc("The durable outbox of QoS 1 messages.")]
    public MqttOutboxOptions Outbox { get; set; } = new();

    [Doc("Commands from the control room.")]
    public MqttCommandOptions Commands { get; set; } = new();
}
