using System.CommandLine;
using PortScanEdge.Simulation.Bench;

namespace PortScanEdge.Host.Commands;

/// <summary>
/// <c>bench devices</c>: frame-decoder throughput (against the CRC alone on the same bytes), idle CPU of three
/// open serial ports per read mode, and reconnect time after an unplug — all over real pseudo-terminals.
/// </summary>
internal static class BenchDevicesCommand
{
    public static Command Create(string name)
    {
        var decoderSeconds = new Option<double>("--decoder-seconds") { Description = "How long to run the frame decoder.", DefaultValueFactory = _ => 2 };
        var cpuSeconds = new Option<double>("--cpu-seconds") { Description = "Window over which idle CPU is measured.", DefaultValueFactory = _ => 10 };
        var reconnects = new Option<int>("--reconnects") { Description = "Unplug/replug trials.", DefaultValueFactory = _ => 5 };
        var command = new Command(name, "Measure the serial devices: decoder frames/s, idle CPU with three ports open, reconnect time. Example: portscan-edge bench devices --cpu-seconds 10")
        {
            decoderSeconds, cpuSeconds, reconnects,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var report = await DeviceBench.RunAsync(
                TimeSpan.FromSeconds(parseResult.GetValue(decoderSeconds)),
                TimeSpan.FromSeconds(parseResult.GetValue(cpuSeconds)),
                parseResult.GetValue(reconnects),
                cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(report).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
