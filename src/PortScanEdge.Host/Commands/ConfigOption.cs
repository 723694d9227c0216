using System.CommandLine;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Host.Commands;

/// <summary>The <c>--config</c> option and the shared way of reporting config problems.</summary>
internal static class ConfigOption
{
    public static Option<string> Create() => new("--config", "-c")
    {
        Description = "Path of the gateway's YAML configuration file.",
        Required = true,
        HelpName = "FILE",
    };

    public static void WriteProblems(ConfigLoadResult result)
    {
        foreach (var problem in result.Problems)
        {
            Console.Error.WriteLine(problem.ToString());
        }

        Console.Error.WriteLine($"{result.Problems.Count} problem{(result.Problems.Count == 1 ? string.Empty : "s")} found; nothing was started.");
    }

    public static string Summary(PortScanEdgeOptions options)
    {
        var devices = options.Devices;
        var deviceCount = devices.Scanners.Count + devices.PlateReaders.Count + devices.Gpio.Count;
        return $"site {options.Site.Id}, gateway {options.Gateway.Id}, " +
               $"{options.Lanes.Count} lane{(options.Lanes.Count == 1 ? string.Empty : "s")} ({string.Join(", ", options.Lanes.Select(l => l.Id))}), " +
               $"{deviceCount} device{(deviceCount == 1 ? string.Empty : "s")} " +
               $"({Count(devices.Scanners.Count, "scanner")}, {Count(devices.PlateReaders.Count, "plate reader")}, {Count(devices.Gpio.Count, "GPIO block")})" +
               (options.Simulation.Enabled ? ", simulation on" : string.Empty);
    }

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? string.Empty : "s")}";
}
