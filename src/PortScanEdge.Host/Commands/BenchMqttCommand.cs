using System.CommandLine;
using System.Globalization;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Messaging.Benchmarking;

namespace PortScanEdge.Host.Commands;

/// <summary>
/// <c>portscan-edge bench mqtt</c>: the messaging benchmark against a real Mosquitto it starts on a free loopback
/// port — publish→subscriber latency (p50/p99), records/s, outbox drain rate after an outage, and a fleet of
/// lanes checked for loss and order. Targets: p99 ≤ 20 ms, drain ≥ 2,000 records/s, zero loss.
/// </summary>
internal static class BenchMqttCommand
{
    public static Command Create(string name)
    {
        var records = new Option<int>("--records") { Description = "Records for the latency and throughput runs.", DefaultValueFactory = _ => 5000 };
        var rate = new Option<int>("--rate") { Description = "Paced rate of the latency run, records/s.", DefaultValueFactory = _ => 500 };
        var drain = new Option<int>("--drain-records") { Description = "Records queued while the broker is down, then drained.", DefaultValueFactory = _ => 20000 };
        var lanes = new Option<int>("--fleet-lanes") { Description = "Lanes in the fleet run (each its own gateway and connection).", DefaultValueFactory = _ => 50 };
        var perLane = new Option<int>("--fleet-records") { Description = "Records per fleet lane (5 per second).", DefaultValueFactory = _ => 40 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every figure as the last stdout line." };
        var command = new Command(name, "Benchmark control-room messaging through a real Mosquitto (needs the mosquitto package). Example: portscan-edge bench mqtt --json")
        {
            records, rate, drain, lanes, perLane, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var settings = new MqttBenchmarkSettings(parseResult.GetValue(records), parseResult.GetValue(rate), parseResult.GetValue(drain), parseResult.GetValue(lanes), parseResult.GetValue(perLane));
            var result = await MqttBenchmark.RunAsync(settings, line => output.WriteLine(line), cancellationToken).ConfigureAwait(false);
            var ok = result.LatencyP99Milliseconds <= 20 && result.DrainRecordsPerSecond >= 2000 && result.FleetLost == 0 && result.FleetOutOfOrder == 0;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"targets: p99 {result.LatencyP99Milliseconds:0.00} ms (≤ 20), drain {result.DrainRecordsPerSecond:0}/s (≥ 2000), fleet loss {result.FleetLost} (0): {(ok ? "met" : "NOT met")}"));
            if (parseResult.GetValue(json))
            {
                output.WriteLine(TransactionJson.Serialize(result));
            }

            return ok ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
