namespace PortScanEdge.Core.Configuration;

/// <summary>The whole gateway configuration: the root of the YAML file.</summary>
[Doc("PortScanEdge gateway configuration: one file per gateway.")]
public sealed class PortScanEdgeOptions
{
    /// <summary>Pattern for ids that end up in MQTT topics, file names and logs.</summary>
    public const string IdPattern = "^[a-z0-9][a-z0-9_-]{0,62}$";

    /// <summary>How ids must look, said to a technician.</summary>
    public const string IdExplanation = "1-63 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit";

    [Doc("The border port (site) this gateway belongs to.")]
    [RequiredKey]
    public SiteOptions Site { get; set; } = new();

    [Doc("This gateway's identity.")]
    [RequiredKey]
    public GatewayOptions Gateway { get; set; } = new();

    [Doc("Inspection lanes served by this gateway, each naming the devices that serve it.")]
    [RequiredKey]
    [MinItems(1)]
    public List<LaneOptions> Lanes { get; set; } = [];

    [Doc("Serial and GPIO devices attached to this gateway, referenced by id from the lanes.")]
    public DevicesOptions Devices { get; set; } = new();

    [Doc("Decision policy and step timeouts of the lanes.")]
    public LaneControlOptions LaneControl { get; set; } = new();

    [Doc("Anomaly detection on radiographs: model, thresholds and inference threads.")]
    public DetectionOptions Detection { get; set; } = new();

    [Doc("Publishing to the control room over MQTT.")]
    public MqttOptions Mqtt { get; set; } = new();

    [Doc("The operator console served at the lane.")]
    public WebOptions Web { get; set; } = new();

    [Doc("Prometheus metrics and health endpoints for the fleet's monitoring.")]
    public ObservabilityOptions Observability { get; set; } = new();

    [Doc("The tamper-evident audit log.")]
    public AuditOptions Audit { get; set; } = new();

    [Doc("The simulated lane used by the demo and by tests before hardware arrives.")]
    public SimulationOptions Simulation { get; set; } = new();

    /// <summary>Directory of the config file; relative paths in the file are resolved against it.</summary>
    public string ConfigDirectory { get; internal set; } = Environment.CurrentDirectory;

    /// <summary>Copies every setting from another instance (used to hand loaded options to the options pipeline).</summary>
    public void CopyFrom(PortScanEdgeOptions other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var property in ConfigNaming.BindableProperties(typeof(PortScanEdgeOptions)))
        {
            property.SetValue(this, property.GetValue(other));
        }

        ConfigDirectory = other.ConfigDirectory;
    }

    /// <summary>Resolves a path from the config file: absolute paths as they are, relative ones against <see cref="ConfigDirectory"/>.</summary>
    public string ResolvePath(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(ConfigDirectory, path));

    /// <summary>Resolves a path relative to <see cref="GatewayOptions.DataDir"/> (itself resolved against the config directory).</summary>
    public string ResolveDataPath(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(ResolvePath(Gateway.DataDir), path));
}

/// <summary>The border port this gateway belongs to.</summary>
public sealed class SiteOptions
{
    [Doc("Site id, used in MQTT topics (e.g. nogales-mariposa).")]
    [RequiredKey]
    [Pattern(PortScanEdgeOptions.IdPattern, PortScanEdgeOptions.IdExplanation)]
    public string Id { get; set; } = string.Empty;

    [Doc("Human-readable site name shown on the console.")]
    public string Name { get; set; } = string.Empty;

    [Doc("IANA time zone of the site (e.g. America/Phoenix); timestamps are recorded in UTC and shown in this zone.")]
    public string TimeZone { get; set; } = "UTC";
}

/// <summary>This gateway's identity and local storage.</summary>
public sealed class GatewayOptions
{
    [Doc("Gateway id, unique within the site (e.g. gw-north-1).")]
    [RequiredKey]
    [Pattern(PortScanEdgeOptions.IdPattern, PortScanEdgeOptions.IdExplanation)]
    public string Id { get; set; } = string.Empty;

    [Doc("Directory for the outbox, images and other local state; relative paths are resolved against the config file's directory.")]
    public string DataDir { get; set; } = "/var/lib/portscan-edge";

    [Doc("Free space the data directory's file system must keep, megabytes: below it /readyz turns unready (check 'storage') and the health summary says so, before evidence can no longer be written. 0 turns the check off.")]
    [Bounds(0, 10_000_000)]
    public int MinFreeMegabytes { get; set; } = 1024;
}

/// <summary>Direction of traffic through a lane.</summary>
public enum LaneDirection
{
    /// <summary>Traffic heading north.</summary>
    Northbound,

    /// <summary>Traffic heading south.</summary>
    Southbound,

    /// <summary>Traffic heading east.</summary>
    Eastbound,

    /// <summary>Traffic heading west.</summary>
    Westbound,
}

/// <summary>One inspection lane.</summary>
public sealed class LaneOptions
{
    [Doc("Lane id, unique within the gateway (e.g. lane-1).")]
    [RequiredKey]
    [Pattern(PortScanEdgeOptions.IdPattern, PortScanEdgeOptions.IdExplanation)]
    public string Id { get; set; } = string.Empty;

    [Doc("Direction of traffic through the lane.")]
    [RequiredKey]
    public LaneDirection Direction { get; set; } = LaneDirection.Northbound;

    [Doc("Which devices (by id, from the devices section) serve this lane.")]
    [RequiredKey]
    public LaneDevicesOptions Devices { get; set; } = new();
}

/// <summary>The devices a lane uses, by id.</summary>
public sealed class LaneDevicesOptions
{
    [Doc("Id of the imaging scanner (devices.scanners).")]
    [RequiredKey]
    public string Scanner { get; set; } = string.Empty;

    [Doc("Ids of the licence-plate readers (devices.plate_readers), front and rear.")]
    public List<string> PlateReaders { get; set; } = [];

    [Doc("Id of the GPIO lane I/O block (devices.gpio).")]
    [RequiredKey]
    public string Io { get; set; } = string.Empty;
}
