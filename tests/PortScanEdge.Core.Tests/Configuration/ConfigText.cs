using System.Text;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Core.Tests.Configuration;

/// <summary>Helpers that load config text the way the gateway loads a file.</summary>
internal static class ConfigText
{
    /// <summary>A small valid config; tests edit it to introduce one mistake at a known line.</summary>
    public const string Valid =
        """
        site:
          id: test-port
          time_zone: UTC
        gateway:
          id: gw-1
        lanes:
          - id: lane-1
            direction: northbound
            devices:
              scanner: scanner-1
              plate_readers: [plate-1]
              io: io-1
        devices:
          scanners:
            - id: scanner-1
              serial: { port: /dev/ttyUSB0, baud: 115200 }
              spool_dir: /tmp/spool
          plate_readers:
            - id: plate-1
              serial: { port: /dev/ttyUSB1, baud: 9600 }
          gpio:
            - id: io-1
              driver: simulated
              pins:
                entry_loop: { line: 5, active_low: true }
                barrier: { line: 17 }
        """;

    public static ConfigLoadResult Load(string yaml, ConfigPurpose purpose = ConfigPurpose.Run, string? directory = null) =>
        ConfigLoader.LoadText(Encoding.UTF8.GetBytes(yaml.Replace("\r\n", "\n", StringComparison.Ordinal)), "site.yaml", directory ?? Path.GetTempPath(), purpose);

    public static ConfigProblem Single(ConfigLoadResult result)
    {
        Assert.False(result.IsValid);
        return Assert.Single(result.Problems);
    }
}
