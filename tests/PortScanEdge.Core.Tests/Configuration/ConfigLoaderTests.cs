using System.Text;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Core.Tests.Configuration;

public class ConfigLoaderTests
{
    [Fact]
    public void Load_ValidText_BindsEveryValue()
    {
        var result = ConfigText.Load(ConfigText.Valid);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var options = result.Options!;
        Assert.Equal("test-port", options.Site.Id);
        Assert.Equal("gw-1", options.Gateway.Id);
        var lane = Assert.Single(options.Lanes);
        Assert.Equal(LaneDirection.Northbound, lane.Direction);
        Assert.Equal(["plate-1"], lane.Devices.PlateReaders);
        Assert.Equal(9600, options.Devices.PlateReaders[0].Serial.Baud);
        Assert.Equal(GpioDriverKind.Simulated, options.Devices.Gpio[0].Driver);
        Assert.True(options.Devices.Gpio[0].Pins.EntryLoop!.ActiveLow);
        Assert.Null(options.Devices.Gpio[0].Pins.Estop);
        Assert.Equal(TimeSpan.FromMilliseconds(20), options.Devices.Gpio[0].Pins.Barrier!.Debounce);
        Assert.Equal(MqttBrokerKind.Embedded, options.Mqtt.Broker);
    }

    [Theory]
    [InlineData("deploy/config/demo.yaml")]
    [InlineData("deploy/config/example.yaml")]
    public void LoadFile_ShippedConfigs_AreValid(string relative)
    {
        var result = ConfigLoader.LoadFile(RepositoryPaths.Of(relative), ConfigPurpose.Validate);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
    }

    [Fact]
    public void LoadFile_Demo_RunsASimulatedLaneOnEmbeddedBroker()
    {
        var options = ConfigLoader.LoadFile(RepositoryPaths.Of("deploy/config/demo.yaml")).Options!;

        Assert.True(options.Simulation.Enabled);
        Assert.Equal(MqttBrokerKind.Embedded, options.Mqtt.Broker);
        Assert.Equal(1883, options.Mqtt.EmbeddedPort);
        Assert.All(options.Devices.Scanners, s => Assert.Equal(SerialOptions.EmulatorPort, s.Serial.Port));
        Assert.All(options.Devices.Gpio, g => Assert.Equal(GpioDriverKind.Simulated, g.Driver));
    }

    [Fact]
    public void Load_UnknownTopLevelKey_IsLocatedAndNamed()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid + "\nsimulaton:\n  enabled: true\n"));

        Assert.Equal(27, problem.Line);
        Assert.Equal(1, problem.Column);
        Assert.Equal("simulaton", problem.Path);
        Assert.Contains("did you mean 'simulation'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MisspeltNestedKey_IsLocatedWithFullPath()
    {
        var yaml = ConfigText.Valid.Replace("serial: { port: /dev/ttyUSB1, baud: 9600 }", "serial: { port: /dev/ttyUSB1, buad: 9600 }", StringComparison.Ordinal);

        var problem = ConfigText.Single(ConfigText.Load(yaml));

        Assert.Equal("site.yaml:20:37: devices.plate_readers[0].serial.buad: unknown key 'buad' in devices.plate_readers[0].serial; did you mean 'baud'?", problem.ToString());
    }

    [Fact]
    public void Load_CamelCaseKey_SuggestsSnakeCase()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("time_zone: UTC", "timeZone: UTC", StringComparison.Ordinal)));

        Assert.Equal((3, 3), (problem.Line, problem.Column));
        Assert.Contains("did you mean 'time_zone'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyFarFromAnyKnownKey_ListsValidKeys()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("  time_zone: UTC", "  time_zone: UTC\n  flavour: mint", StringComparison.Ordinal)));

        Assert.Equal((4, 3), (problem.Line, problem.Column));
        Assert.Contains("valid keys: id, name, time_zone", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateKey_PointsAtSecondAndNamesFirst()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("  id: gw-1", "  id: gw-1\n  id: gw-2", StringComparison.Ordinal)));

        Assert.Equal((6, 3), (problem.Line, problem.Column));
        Assert.Equal("gateway.id", problem.Path);
        Assert.Contains("duplicate key 'id' (first at line 5)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NonStandardBaud_IsLocatedAtTheValue()
    {
        var yaml = ConfigText.Valid.Replace("baud: 9600", "baud: 9601", StringComparison.Ordinal);

        var problem = ConfigText.Single(ConfigText.Load(yaml));

        Assert.Equal("site.yaml:20:43: devices.plate_readers[0].serial.baud: 9601 is not a standard baud rate (300, 600, 1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400, 460800, 921600)", problem.ToString());
    }

    [Theory]
    [InlineData("baud: 115200", "baud: fast", "'fast' is not a whole number")]
    [InlineData("direction: northbound", "direction: upward", "'upward' is not one of: northbound, southbound, eastbound, westbound")]
    [InlineData("active_low: true", "active_low: yes", "'yes' is not true or false")]
    [InlineData("active_low: true", "active_low: true, debounce: 20", "'20' is not a duration")]
    [InlineData("line: 17", "line: 5000", "5000 is out of range 0..1023")]
    [InlineData("id: lane-1", "id: Lane 1", "'Lane 1' is not valid: 1-63 characters")]
    [InlineData("id: lane-1", "id: [a, b]", "expected text, found a list")]
    [InlineData("driver: simulated", "driver:\n                x: 1", "expected one of: libgpiod, libgpiodv2, sysfs, simulated, found a mapping")]
    public void Load_BadValue_IsReportedWithReason(string original, string replacement, string expected)
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace(original, replacement, StringComparison.Ordinal)));

        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
        Assert.True(problem.Line > 0 && problem.Column > 0);
    }

    [Fact]
    public void Load_MissingRequiredKey_PointsAtItsParent()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid.Replace("  id: gw-1\n", "  data_dir: /tmp\n", StringComparison.Ordinal)));

        Assert.Equal((5, 3), (problem.Line, problem.Column));
        Assert.Equal("gateway.id", problem.Path);
        Assert.StartsWith("missing required key 'id'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralMistakes_ReportsEveryOneInFileOrder()
    {
        var yaml = ConfigText.Valid
            .Replace("time_zone: UTC", "tz: UTC", StringComparison.Ordinal)
            .Replace("baud: 115200", "baud: lots", StringComparison.Ordinal)
            .Replace("line: 17", "lien: 17", StringComparison.Ordinal);

        var result = ConfigText.Load(yaml);

        Assert.Equal([3, 16, 26, 26], result.Problems.Select(p => p.Line));
        Assert.Contains(result.Problems, p => p.Message.Contains("missing required key 'line'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_TabIndentation_IsLocated()
    {
        var problem = ConfigText.Single(ConfigText.Load("site:\n  id: x\n\tname: y\n"));

        Assert.Equal("site.yaml:3:1: tab character in indentation; YAML indentation must use spaces", problem.ToString());
    }

    [Fact]
    public void Load_BadIndentation_IsASyntaxErrorWithPosition()
    {
        var problem = ConfigText.Single(ConfigText.Load("site:\n  id: x\n    name: y\n"));

        Assert.Equal(3, problem.Line);
        Assert.StartsWith("YAML syntax error", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("site:\n  id: x\nlanes: [a, b\ngateway:\n  id: g\n", 3, 8)]
    [InlineData("site: {id: x\n", 2, 1)]
    public void Load_UnclosedBracket_IsLocated(string yaml, int line, int column)
    {
        var problem = ConfigText.Single(ConfigText.Load(yaml));

        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains("unclosed bracket", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnclosedQuote_IsASyntaxError()
    {
        var problem = ConfigText.Single(ConfigText.Load("site:\n  id: \"x\n"));

        Assert.Equal(2, problem.Line);
        Assert.StartsWith("YAML syntax error", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoDocuments_AreRefused()
    {
        var problem = ConfigText.Single(ConfigText.Load(ConfigText.Valid + "\n---\nsite: {id: b}\n"));

        Assert.Contains("more than one YAML document", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RootIsAList_IsRefused()
    {
        var problem = ConfigText.Single(ConfigText.Load("- a\n- b\n"));

        Assert.Contains("the top level must be a mapping", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# only a comment\n---\n")]
    public void Load_Empty_IsRefused(string yaml)
    {
        var problem = ConfigText.Single(ConfigText.Load(yaml));

        Assert.Contains("is empty", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BinaryContent_IsRefusedWithOffset()
    {
        var bytes = Encoding.UTF8.GetBytes("site:\n").Concat(new byte[] { 0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01 }).ToArray();

        var problem = ConfigText.Single(ConfigLoader.LoadText(bytes, "site.yaml", Path.GetTempPath()));

        Assert.Equal("site.yaml: is not a text file (binary content at byte 10); expected a YAML config", problem.ToString());
    }

    [Fact]
    public void Load_InvalidUtf8_IsRefused()
    {
        var problem = ConfigText.Single(ConfigLoader.LoadText([(byte)'a', (byte)':', (byte)' ', 0xC3, 0x28], "site.yaml", Path.GetTempPath()));

        Assert.Contains("is not UTF-8 text", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DeepNesting_IsRefusedWithoutStackOverflow()
    {
        var problem = ConfigText.Single(ConfigText.Load("site: " + new string('[', 200_000)));

        Assert.Contains("nesting deeper than 32 levels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AliasExpansionBomb_IsRefused()
    {
        // One lane anchored once and referenced thousands of times expands to far more values than the file holds.
        var anchored = ConfigText.Valid.Replace("  - id: lane-1", "  - &lane\n    id: lane-1", StringComparison.Ordinal);
        var bomb = anchored.Insert(anchored.IndexOf("devices:\n  scanners", StringComparison.Ordinal),
            string.Concat(Enumerable.Repeat("  - *lane\n", 3000)));

        var problem = ConfigText.Single(ConfigText.Load(bomb));

        Assert.Contains("expansion bomb", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UndefinedAlias_IsRefused()
    {
        var problem = ConfigText.Single(ConfigText.Load("site: *nothing\n"));

        Assert.Contains("alias '*nothing' refers to no anchor", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_Missing_SaysNotFound()
    {
        var problem = ConfigText.Single(ConfigLoader.LoadFile("/nonexistent/site.yaml"));

        Assert.Equal("/nonexistent/site.yaml: file not found", problem.ToString());
    }

    [Fact]
    public void LoadFile_Directory_IsRefused()
    {
        var problem = ConfigText.Single(ConfigLoader.LoadFile(Path.GetTempPath()));

        Assert.Contains("is a directory", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_OverOneMebibyte_IsRefusedBeforeParsing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"portscan-big-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "site:\n  name: \"" + new string('x', 1_100_000) + "\"\n");
        try
        {
            var problem = ConfigText.Single(ConfigLoader.LoadFile(path));

            Assert.Contains("config files are limited to 1 MiB", problem.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_Unreadable_SaysPermissionDenied()
    {
        if (Environment.UserName == "root")
        {
            // root reads any file regardless of mode; exercise the same path with a file that vanishes into a FIFO-free
            // unreadable location instead: /proc/self/mem cannot be read sequentially from offset 0.
            var problem = ConfigText.Single(ConfigLoader.LoadFile("/proc/self/mem"));
            Assert.Contains("cannot be read", problem.Message, StringComparison.Ordinal);
            return;
        }

        var path = Path.Combine(Path.GetTempPath(), $"portscan-unreadable-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, ConfigText.Valid);
        File.SetUnixFileMode(path, UnixFileMode.None);
        try
        {
            var problem = ConfigText.Single(ConfigLoader.LoadFile(path));

            Assert.Contains("permission denied", problem.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
