using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Core.Tests.Configuration;

public class ConfigValidatorTests
{
    [Fact]
    public void Validate_LaneNamesMissingDevice_ListsDefinedOnes()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("scanner: scanner-1", "scanner: scanner-9", StringComparison.Ordinal)));

        Assert.Equal("site.yaml:10:16: lanes[0].devices.scanner: no device with id 'scanner-9'; defined scanners: scanner-1", problem.ToString());
    }

    [Fact]
    public void Validate_LaneNamesDeviceOfWrongKind_SaysWhatItIs()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("io: io-1", "io: plate-1", StringComparison.Ordinal)));

        Assert.Equal("lanes[0].devices.io", problem.Path);
        Assert.Equal("'plate-1' is a plate reader, not a gpio", problem.Message);
    }

    [Fact]
    public void Validate_DuplicateLaneId_PointsAtSecond()
    {
        var yaml = ConfigText.Valid.Replace("devices:\n  scanners:", "  - id: lane-1\n    direction: southbound\n    devices: { scanner: scanner-2, io: io-1 }\ndevices:\n  scanners:", StringComparison.Ordinal);

        var result = ConfigText.Load(yaml);

        Assert.Contains(result.Problems, p => p.Path == "lanes[1].id" && p.Line == 13 && p.Message == "duplicate lane id 'lane-1' (also used at line 7)");
    }

    [Fact]
    public void Validate_DuplicateDeviceId_AcrossKinds()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("- id: plate-1", "- id: scanner-1", StringComparison.Ordinal)
            .Replace("plate_readers: [plate-1]", "plate_readers: []", StringComparison.Ordinal)));

        Assert.Equal("devices.plate_readers[0].id", problem.Path);
        Assert.Equal("duplicate device id 'scanner-1' (also used at line 15)", problem.Message);
    }

    [Fact]
    public void Validate_GpioLineClaimedTwice_NamesTheFirstClaim()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("line: 17", "line: 5", StringComparison.Ordinal)));

        Assert.Equal("site.yaml:26:26: devices.gpio[0].pins.barrier.line: GPIO line 5 on chip 0 is already claimed by devices.gpio[0].pins.entry_loop", problem.ToString());
    }

    [Fact]
    public void Validate_SerialPortClaimedTwice_NamesTheFirstClaim()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("/dev/ttyUSB1", "/dev/ttyUSB0", StringComparison.Ordinal)));

        Assert.Equal("devices.plate_readers[0].serial.port", problem.Path);
        Assert.Equal("serial port /dev/ttyUSB0 is already claimed by devices.scanners[0].serial", problem.Message);
    }

    [Fact]
    public void Validate_DeviceServingTwoLanes_IsRefused()
    {
        var yaml = ConfigText.Valid.Replace("devices:\n  scanners:", "  - id: lane-2\n    direction: southbound\n    devices: { scanner: scanner-1, io: io-1 }\ndevices:\n  scanners:", StringComparison.Ordinal);

        var result = ConfigText.Load(yaml);

        Assert.Contains(result.Problems, p => p.Path == "lanes[1].devices.scanner" && p.Message == "device 'scanner-1' already serves lane 'lane-1'; a device serves one lane");
    }

    [Fact]
    public void Validate_EmulatorPortWithoutSimulation_IsRefused()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("port: /dev/ttyUSB0", "port: emulator", StringComparison.Ordinal)));

        Assert.Equal("devices.scanners[0].serial.port", problem.Path);
        Assert.StartsWith("'emulator' needs simulation.enabled: true", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingModelFile_IsNamedWithResolvedPath()
    {
        var directory = Path.Combine(Path.GetTempPath(), "portscan-config-tests");
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid + "\ndetection:\n  model: models/none.onnx\n", directory: directory));

        Assert.Equal((28, 10), (problem.Line, problem.Column));
        Assert.Equal($"model file {Path.Combine(directory, "models/none.onnx")} does not exist", problem.Message);
    }

    [Fact]
    public void Validate_ReplaySetMissingOrWithoutLabels_IsNamedWithResolvedPath()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"portscan-replay-{Guid.NewGuid():N}");
        var yaml = ConfigText.Valid + $"\nsimulation:\n  images: {directory}\n";

        var missing = ConfigText.Single(ConfigText.Load(yaml));
        Directory.CreateDirectory(directory);
        try
        {
            var unlabelled = ConfigText.Single(ConfigText.Load(yaml));
            File.WriteAllText(Path.Combine(directory, "labels.csv"), "file,label,boxes\n");
            var labelled = ConfigText.Load(yaml);

            Assert.Equal(("simulation.images", $"directory {directory} does not exist"), (missing.Path, missing.Message));
            Assert.Equal("simulation.images", unlabelled.Path);
            Assert.StartsWith($"directory {directory} has no labels.csv", unlabelled.Message, StringComparison.Ordinal);
            Assert.True(labelled.IsValid, string.Join("\n", labelled.Problems));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Validate_ExistingModelFile_IsAccepted()
    {
        var model = Path.Combine(Path.GetTempPath(), $"portscan-model-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(model, [1, 2, 3]);
        try
        {
            Assert.True(ConfigText.Load(ConfigText.Valid + $"\ndetection:\n  model: {model}\n").IsValid);
        }
        finally
        {
            File.Delete(model);
        }
    }

    [Theory]
    [InlineData("threshold: 1.5", "1.5 is out of range 0..1")]
    [InlineData("threshold: 0.01", "0.01 is outside threshold_min..threshold_max (0.05..0.999999)")]
    [InlineData("threshold_min: 0.9\n  threshold_max: 0.2", "0.9 must be below threshold_max (0.2)")]
    public void Validate_ThresholdOutOfRange_IsRefused(string setting, string expected)
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid + "\ndetection:\n  " + setting + "\n"));

        Assert.Equal(expected, problem.Message);
    }

    [Fact]
    public void Validate_InlineSecret_IsRefusedWithoutEchoingIt()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid + "\nmqtt:\n  broker: external\n  uris: [mqtt://b:1883]\n  username: gw\n  password: hunter2\n"));

        Assert.Equal("mqtt.password", problem.Path);
        Assert.Equal("secrets must not be written inline; use ${ENV_NAME} or file:/absolute/path", problem.Message);
        Assert.DoesNotContain("hunter2", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnsetSecretVariable_IsAnErrorToRunAndAWarningToValidate()
    {
        var yaml = ConfigText.Valid + "\nmqtt:\n  broker: external\n  uris: [mqtt://b:1883]\n  username: gw\n  password: ${PORTSCAN_TEST_UNSET_SECRET}\n";

        var run = ConfigText.Load(yaml, ConfigPurpose.Run);
        var validate = ConfigText.Load(yaml, ConfigPurpose.Validate);

        Assert.Equal("environment variable PORTSCAN_TEST_UNSET_SECRET is not set", ConfigText.Single(run).Message);
        Assert.True(validate.IsValid);
        Assert.Contains("PORTSCAN_TEST_UNSET_SECRET is not set here", Assert.Single(validate.Warnings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SecretFromFile_Resolves()
    {
        var secretFile = Path.Combine(Path.GetTempPath(), $"portscan-secret-{Guid.NewGuid():N}");
        File.WriteAllText(secretFile, "s3cret\n");
        try
        {
            var result = ConfigText.Load(ConfigText.Valid + $"\nmqtt:\n  broker: external\n  uris: [mqtt://b:1883]\n  username: gw\n  password: file:{secretFile}\n");

            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.True(result.Options!.Mqtt.Password!.TryResolve(out var value, out _));
            Assert.Equal("s3cret", value);
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    [Theory]
    [InlineData("broker: external", "mqtt.uris", "broker: external needs at least one broker URI")]
    [InlineData("broker: external\n  uris: [http://b]", "mqtt.uris[0]", "'http://b' is not a broker URI")]
    [InlineData("uris: [mqtt://b:1883]", "mqtt.uris", "broker URIs are only used with broker: external")]
    [InlineData("topic_root: portscan/+/x", "mqtt.topic_root", "is not a valid topic root")]
    [InlineData("tls: { cert_file: /etc/hostname }", "mqtt.tls.key_file", "mutual TLS needs both cert_file and key_file")]
    [InlineData("tls: { ca_file: /nonexistent/ca.pem }", "mqtt.tls.ca_file", "file /nonexistent/ca.pem does not exist")]
    public void Validate_MqttMistakes_AreNamed(string setting, string path, string expected)
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid + "\nmqtt:\n  " + setting + "\n"));

        Assert.Equal(path, problem.Path);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TimeZoneUnknown_IsRefused()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("time_zone: UTC", "time_zone: Mars/Olympus", StringComparison.Ordinal)));

        Assert.Equal((3, 14), (problem.Line, problem.Column));
        Assert.StartsWith("'Mars/Olympus' is not a known IANA time zone", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TemplateWithoutPlate_IsRefused()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("baud: 9600 }", "baud: 9600 }\n      format: template\n      template: \"%CONF%\"", StringComparison.Ordinal)));

        Assert.Equal("devices.plate_readers[0].template", problem.Path);
    }

    [Fact]
    public void OptionsValidator_InvalidInstance_FailsOnStart()
    {
        var options = ConfigText.Load(ConfigText.Valid).Options!;
        options.Lanes[0].Devices.Scanner = "ghost";

        var result = new PortScanEdgeOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("lanes[0].devices.scanner: no device with id 'ghost'", result.FailureMessage, StringComparison.Ordinal);
    }
}
