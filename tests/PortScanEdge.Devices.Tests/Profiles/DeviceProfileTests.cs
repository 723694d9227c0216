using System.Text;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Devices.Tests.Profiles;

/// <summary>The sample device profiles in hardware/profiles are valid config, key for key.</summary>
public sealed class DeviceProfileTests
{
    private static string HardwareDirectory()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !Directory.Exists(Path.Combine(directory, "hardware", "profiles")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return Path.Combine(directory ?? throw new DirectoryNotFoundException("hardware/profiles not found above the test output"), "hardware", "profiles");
    }

    [Theory]
    [InlineData("scanner-emulated.yaml", "scanners")]
    [InlineData("scanner-rs232-usb.yaml", "scanners")]
    [InlineData("plate-readers.yaml", "plate_readers")]
    [InlineData("lane-gpio-rpi5.yaml", "gpio")]
    public void Profile_PastedIntoConfig_NoProblemUnderDevices(string file, string section)
    {
        string profile = File.ReadAllText(Path.Combine(HardwareDirectory(), file));
        var yaml = new StringBuilder();
        yaml.AppendLine("site: { id: test-site }");
        yaml.AppendLine("gateway: { id: gw-1, data_dir: /tmp }");
        yaml.AppendLine("simulation: { enabled: true }");
        yaml.AppendLine("lanes: [ { id: lane-1, direction: northbound, devices: { scanner: scanner-1, io: lane-1-io } } ]");
        yaml.AppendLine("devices:");
        yaml.AppendLine($"  {section}:");
        foreach (string line in profile.Split('\n'))
        {
            yaml.Append("    ").AppendLine(line.TrimEnd('\r'));
        }

        ConfigLoadResult result = ConfigLoader.LoadText(Encoding.UTF8.GetBytes(yaml.ToString()), file, Path.GetTempPath());
        ConfigProblem[] deviceProblems = [.. result.Problems.Where(p => p.Path.StartsWith("devices", StringComparison.Ordinal) || p.Line == 0 || p.Path.Length == 0)];
        Assert.True(deviceProblems.Length == 0, string.Join(Environment.NewLine, deviceProblems.Select(p => p.ToString())));
    }
}
