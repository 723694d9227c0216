using System.Globalization;
using System.Net;

namespace PortScanEdge.Core.Configuration;

/// <summary>
/// Checks that need more than one value at a time: references between lanes and devices, resources claimed
/// twice, files that must exist, ranges that depend on each other, secrets that must resolve.
/// </summary>
internal sealed class ConfigValidator
{
    private readonly string _file;
    private readonly IReadOnlyDictionary<string, (int Line, int Column)> _locations;
    private readonly List<ConfigProblem> _problems = [];
    private readonly List<ConfigProblem> _warnings = [];
    private readonly PortScanEdgeOptions _options;
    private readonly bool _secretsMustResolve;
    private readonly bool _structureIsClean;

    private ConfigValidator(string file, PortScanEdgeOptions options, IReadOnlyDictionary<string, (int Line, int Column)> locations, bool secretsMustResolve, bool structureIsClean)
    {
        _structureIsClean = structureIsClean;
        _file = file;
        _options = options;
        _locations = locations;
        _secretsMustResolve = secretsMustResolve;
    }

    /// <summary>Runs every cross-field rule.</summary>
    /// <param name="file">The file name used in messages.</param>
    /// <param name="options">The bound options.</param>
    /// <param name="locations">Where each key path was written, for positions in messages.</param>
    /// <param name="secretsMustResolve">
    /// True when starting the gateway: an unset variable or unreadable secret file is then an error. False for
    /// <c>validate</c>, which often runs in a shell without the service's environment: it becomes a warning.
    /// </param>
    /// <param name="structureIsClean">False when some values failed to bind; references between sections are then not checked.</param>
    public static (List<ConfigProblem> Problems, List<ConfigProblem> Warnings) Validate(
        string file, PortScanEdgeOptions options, IReadOnlyDictionary<string, (int Line, int Column)> locations, bool secretsMustResolve, bool structureIsClean = true)
    {
        var validator = new ConfigValidator(file, options, locations, secretsMustResolve, structureIsClean);
        validator.Run();
        return (validator._problems, validator._warnings);
    }

    private void Run()
    {
        CheckSite();
        var devices = CheckDevices();
        if (_structureIsClean)
        {
            CheckLanes(devices);
        }

        CheckDetection();
        CheckMqtt();
        CheckWeb();
        CheckAudit();
        CheckSimulation();
    }

    private void CheckSite()
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(_options.Site.TimeZone, out _))
        {
            Add("site.time_zone", $"'{_options.Site.TimeZone}' is not a known IANA time zone (e.g. America/Phoenix, Europe/Berlin, UTC)");
        }
    }

    private Dictionary<string, string> CheckDevices()
    {
        // device id -> kind word, for lane references.
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        var firstPath = new Dictionary<string, string>(StringComparer.Ordinal);
        var ports = new Dictionary<string, string>(StringComparer.Ordinal);

        void Register(string id, string kind, string path)
        {
            if (id.Length == 0)
            {
                return;
            }

            if (firstPath.TryGetValue(id, out var other))
            {
                Add(path, $"duplicate device id '{id}' (also used at line {Line(other)})");
                return;
            }

            firstPath[id] = path;
            kinds[id] = kind;
        }

        void CheckSerial(SerialOptions serial, string path)
        {
            if (!SerialOptions.StandardBaudRates.Contains(serial.Baud))
            {
                Add(path + ".baud", string.Create(CultureInfo.InvariantCulture,
                    $"{serial.Baud} is not a standard baud rate ({string.Join(", ", SerialOptions.StandardBaudRates)})"));
            }

            if (serial.Port == SerialOptions.EmulatorPort)
            {
                if (!_options.Simulation.Enabled)
                {
                    Add(path + ".port", "'emulator' needs simulation.enabled: true; name a real device such as /dev/serial/by-id/...");
                }

                return;
            }

            if (serial.Port.Length == 0)
            {
                Add(path + ".port", "a serial device path is required");
                return;
            }

            if (!serial.Port.StartsWith('/'))
            {
                Add(path + ".port", $"'{serial.Port}' is not an absolute device path (e.g. /dev/ttyUSB0 or /dev/serial/by-id/...)");
            }

            if (ports.TryGetValue(serial.Port, out var other))
            {
                Add(path + ".port", $"serial port {serial.Port} is already claimed by {other}");
            }
            else
            {
                ports[serial.Port] = path;
            }
        }

        for (var i = 0; i < _options.Devices.Scanners.Count; i++)
        {
            var scanner = _options.Devices.Scanners[i];
            var path = $"devices.scanners[{i}]";
            Register(scanner.Id, "scanner", path + ".id");
            CheckSerial(scanner.Serial, path + ".serial");
            if (scanner.SpoolDir.Length == 0)
            {
                Add(path + ".spool_dir", "the spool directory the scanner writes images to is required");
            }

            if (scanner.ImageWaitTimeout <= TimeSpan.Zero)
            {
                Add(path + ".image_wait_timeout", "must be longer than zero");
            }
        }

        for (var i = 0; i < _options.Devices.PlateReaders.Count; i++)
        {
            var reader = _options.Devices.PlateReaders[i];
            var path = $"devices.plate_readers[{i}]";
            Register(reader.Id, "plate_reader", path + ".id");
            CheckSerial(reader.Serial, path + ".serial");
            if (reader.Format != PlateReaderFormat.OpenalprJson && !reader.Template.Contains("%PLATE%", StringComparison.Ordinal))
            {
                Add(path + ".template", $"the template must contain %PLATE% for format {ConfigNaming.ToSnakeCase(reader.Format.ToString())}");
            }
        }

        var lines = new Dictionary<(GpioDriverKind, int, int), string>();
        for (var i = 0; i < _options.Devices.Gpio.Count; i++)
        {
            var gpio = _options.Devices.Gpio[i];
            var path = $"devices.gpio[{i}]";
            Register(gpio.Id, "gpio", path + ".id");
            foreach (var property in ConfigNaming.BindableProperties(typeof(LanePinsOptions)))
            {
                if (property.GetValue(gpio.Pins) is not GpioPinOptions pin)
                {
                    continue;
                }

                var pinPath = $"{path}.pins.{ConfigNaming.ToSnakeCase(property.Name)}";
                var key = (gpio.Driver, gpio.Chip, pin.Line);
                if (lines.TryGetValue(key, out var other))
                {
                    Add(pinPath + ".line", string.Create(CultureInfo.InvariantCulture,
                        $"GPIO line {pin.Line} on chip {gpio.Chip} is already claimed by {other}"));
                }
                else
                {
                    lines[key] = pinPath;
                }
            }
        }

        return kinds;
    }

    private void CheckLanes(Dictionary<string, string> kinds)
    {
        var laneIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var usedBy = new Dictionary<string, string>(StringComparer.Ordinal);

        void Reference(string id, string expectedKind, string path, string laneId)
        {
            if (id.Length == 0)
            {
                return;
            }

            if (!kinds.TryGetValue(id, out var kind))
            {
                var known = kinds.Where(k => k.Value == expectedKind).Select(k => k.Key).ToList();
                var hint = known.Count > 0 ? $"; defined {Plural(expectedKind)}: {string.Join(", ", known)}" : $"; no {Plural(expectedKind)} are defined under devices";
                Add(path, $"no device with id '{id}'{hint}");
                return;
            }

            if (kind != expectedKind)
            {
                Add(path, $"'{id}' is a {kind.Replace('_', ' ')}, not a {expectedKind.Replace('_', ' ')}");
                return;
            }

            if (usedBy.TryGetValue(id, out var otherLane) && otherLane != laneId)
            {
                Add(path, $"device '{id}' already serves lane '{otherLane}'; a device serves one lane");
                return;
            }

            usedBy[id] = laneId;
        }

        for (var i = 0; i < _options.Lanes.Count; i++)
        {
            var lane = _options.Lanes[i];
            var path = $"lanes[{i}]";
            if (lane.Id.Length > 0)
            {
                if (laneIds.TryGetValue(lane.Id, out var other))
                {
                    Add(path + ".id", $"duplicate lane id '{lane.Id}' (also used at line {Line(other)})");
                }
                else
                {
                    laneIds[lane.Id] = path + ".id";
                }
            }

            Reference(lane.Devices.Scanner, "scanner", path + ".devices.scanner", lane.Id);
            Reference(lane.Devices.Io, "gpio", path + ".devices.io", lane.Id);
            for (var r = 0; r < lane.Devices.PlateReaders.Count; r++)
            {
                Reference(lane.Devices.PlateReaders[r], "plate_reader", $"{path}.devices.plate_readers[{r}]", lane.Id);
            }
        }
    }

    private void CheckDetection()
    {
        var detection = _options.Detection;
        if (detection.Model.Length > 0)
        {
            var model = _options.ResolvePath(detection.Model);
            if (!File.Exists(model))
            {
                Add("detection.model", $"model file {model} does not exist");
            }
        }

        if (detection.ThresholdMin >= detection.ThresholdMax)
        {
            Add("detection.threshold_min", string.Create(CultureInfo.InvariantCulture,
                $"{detection.ThresholdMin} must be below threshold_max ({detection.ThresholdMax})"));
        }
        else if (detection.Threshold is { } threshold && (threshold < detection.ThresholdMin || threshold > detection.ThresholdMax))
        {
            Add("detection.threshold", string.Create(CultureInfo.InvariantCulture,
                $"{threshold} is outside threshold_min..threshold_max ({detection.ThresholdMin}..{detection.ThresholdMax})"));
        }
    }

    private void CheckMqtt()
    {
        var mqtt = _options.Mqtt;
        if (mqtt.Broker == MqttBrokerKind.External && mqtt.Uris.Count == 0)
        {
            Add("mqtt.uris", "broker: external needs at least one broker URI, e.g. mqtts://broker.example:8883");
        }

        if (mqtt.Broker == MqttBrokerKind.Embedded && mqtt.Uris.Count > 0)
        {
            Add("mqtt.uris", "broker URIs are only used with broker: external");
        }

        for (var i = 0; i < mqtt.Uris.Count; i++)
        {
            if (!Uri.TryCreate(mqtt.Uris[i], UriKind.Absolute, out var uri) ||
                uri.Scheme is not ("mqtt" or "mqtts") || uri.Host.Length == 0 ||
                uri.AbsolutePath.Length > 1 || uri.Query.Length > 0)
            {
                Add($"mqtt.uris[{i}]", $"'{mqtt.Uris[i]}' is not a broker URI; write mqtt://host:1883 or mqtts://host:8883");
            }
        }

        var root = mqtt.TopicRoot;
        if (root.Length == 0 || root.StartsWith('/') || root.EndsWith('/') || root.Contains("//", StringComparison.Ordinal) ||
            root.Contains('+', StringComparison.Ordinal) || root.Contains('#', StringComparison.Ordinal))
        {
            Add("mqtt.topic_root", $"'{root}' is not a valid topic root: no wildcards (+, #), no empty levels, no leading or trailing '/'");
        }

        CheckOptionalFile("mqtt.tls.ca_file", mqtt.Tls.CaFile);
        CheckOptionalFile("mqtt.tls.cert_file", mqtt.Tls.CertFile);
        CheckOptionalFile("mqtt.tls.key_file", mqtt.Tls.KeyFile);
        if ((mqtt.Tls.CertFile.Length > 0) != (mqtt.Tls.KeyFile.Length > 0))
        {
            Add(mqtt.Tls.CertFile.Length > 0 ? "mqtt.tls.key_file" : "mqtt.tls.cert_file", "mutual TLS needs both cert_file and key_file");
        }

        if (mqtt.Password is not null && mqtt.Username.Length == 0)
        {
            Add("mqtt.password", "a password is set but username is empty");
        }

        CheckSecret("mqtt.password", mqtt.Password);
        CheckSecret("mqtt.tls.key_passphrase", mqtt.Tls.KeyPassphrase);
    }

    private void CheckWeb()
    {
        var web = _options.Web;
        if (web.Bind != "localhost" && !IPAddress.TryParse(web.Bind, out _))
        {
            Add("web.bind", $"'{web.Bind}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)");
        }

        CheckOptionalFile("web.certificate_file", web.CertificateFile);
        CheckSecret("web.certificate_password", web.CertificatePassword);
        if (_options.Mqtt.Broker == MqttBrokerKind.Embedded && web.Enabled && web.Port == _options.Mqtt.EmbeddedPort)
        {
            Add("web.port", string.Create(CultureInfo.InvariantCulture, $"port {web.Port} is also the embedded MQTT broker's port"));
        }
    }

    private void CheckAudit()
    {
        CheckSecret("audit.key_passphrase", _options.Audit.KeyPassphrase);
        if (_options.Audit.CheckpointInterval < TimeSpan.FromSeconds(1))
        {
            Add("audit.checkpoint_interval", "must be at least 1s");
        }
    }

    private void CheckSimulation()
    {
        var images = _options.Simulation.Images;
        if (images.Length == 0)
        {
            return;
        }

        var directory = _options.ResolvePath(images);
        if (!Directory.Exists(directory))
        {
            Add("simulation.images", $"directory {directory} does not exist");
        }
        else if (!File.Exists(Path.Combine(directory, "labels.csv")))
        {
            Add("simulation.images", $"directory {directory} has no labels.csv (file,label,boxes); `portscan-edge synth --out DIR` writes one");
        }
    }

    private void CheckOptionalFile(string path, string value)
    {
        if (value.Length > 0 && !File.Exists(_options.ResolvePath(value)))
        {
            Add(path, $"file {_options.ResolvePath(value)} does not exist");
        }
    }

    private void CheckSecret(string path, SecretReference? secret)
    {
        if (secret is not null && !secret.TryResolve(out _, out var error))
        {
            if (_secretsMustResolve)
            {
                Add(path, error);
            }
            else
            {
                var (line, column) = Locate(path);
                _warnings.Add(new ConfigProblem(_file, line, column, path, error + " here; the gateway will refuse to start unless it is available to the service"));
            }
        }
    }

    private static string Plural(string kind) => kind switch
    {
        "gpio" => "gpio blocks",
        _ => kind.Replace('_', ' ') + "s",
    };

    private int Line(string path) => Locate(path).Line;

    private (int Line, int Column) Locate(string path)
    {
        // Fall back to the nearest ancestor written in the file when the value itself is a default.
        var current = path;
        while (current.Length > 0)
        {
            if (_locations.TryGetValue(current, out var location))
            {
                return location;
            }

            var cut = Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['));
            current = cut > 0 ? current[..cut] : string.Empty;
        }

        return (1, 1);
    }

    private void Add(string path, string message)
    {
        var (line, column) = Locate(path);
        _problems.Add(new ConfigProblem(_file, line, column, path, message));
    }
}
