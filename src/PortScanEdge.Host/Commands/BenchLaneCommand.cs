using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Networking;
using PortScanEdge.Host.Hosting;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Host.Commands;

/// <summary>
/// <c>bench lane</c>: runs the whole simulated lane in-process (emulators on ptys, simulated GPIO, synthetic
/// radiographs, the real model, MQTT to the embedded broker) and measures the gateway-added latency of each scan,
/// from the scanner's SCAN_COMPLETE frame arriving to the analysed record being handed to the publishers,
/// split into model time (inference) and everything else (hand-over and SHA-256 verification, queueing, decode,
/// preprocessing, post-processing, the lane's own work). Target: p99 of everything-but-the-model ≤ 50 ms.
/// </summary>
internal static class BenchLaneCommand
{
    /// <summary>The target for the p99 of everything but the model, milliseconds.</summary>
    public const double TargetOtherP99Milliseconds = 50;

    public static Command Create(string name)
    {
        var config = new Option<string>("--config") { Description = "Gateway config to simulate (its lanes, devices, detection).", DefaultValueFactory = _ => "deploy/config/demo.yaml" };
        var vehicles = new Option<int>("--vehicles") { Description = "Vehicles to measure.", DefaultValueFactory = _ => 20 };
        var width = new Option<int?>("--width") { Description = "Radiograph width, pixels (default: the config's simulation.image_width)." };
        var height = new Option<int?>("--height") { Description = "Radiograph height, pixels (default: the config's simulation.image_height)." };
        var interval = new Option<TimeSpan>("--interval")
        {
            Description = "Time between vehicles, a duration with its unit (e.g. 2s). The simulated scanner renders each radiograph on this machine's cores (a real scanner has its own computer), so vehicles closer than a scan's analysis make the simulator compete with the gateway it measures.",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(2),
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (Durations.TryParse(text, out var value))
                {
                    return value;
                }

                result.AddError($"--interval: '{text}' is not a duration (e.g. 500ms, 2s)");
                return default;
            },
        };
        var warmup = new Option<int>("--warmup") { Description = "Vehicles per lane run first and not measured (the first scans run code the JIT has not optimised yet).", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every figure as the last stdout line." };
        var command = new Command(name, "Measure scan-complete-to-record latency on the simulated lane, split into model time and the rest. Example: portscan-edge bench lane --vehicles 30 --json")
        {
            config, vehicles, width, height, interval, warmup, json,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(config),
            parseResult.GetValue(vehicles),
            parseResult.GetValue(width),
            parseResult.GetValue(height),
            parseResult.GetValue(interval),
            parseResult.GetValue(warmup),
            parseResult.GetValue(json),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, int vehicles, int? width, int? height, TimeSpan interval, int warmup, bool json, CancellationToken cancellationToken)
    {
        if (warmup < 0)
        {
            await Console.Error.WriteLineAsync("error: --warmup must be 0 or more").ConfigureAwait(false);
            return ExitCodes.UsageOrConfig;
        }

        if (vehicles < 1)
        {
            await Console.Error.WriteLineAsync("error: --vehicles must be at least 1").ConfigureAwait(false);
            return ExitCodes.UsageOrConfig;
        }

        if (interval < TimeSpan.FromMilliseconds(100))
        {
            await Console.Error.WriteLineAsync("error: --interval must be at least 100ms").ConfigureAwait(false);
            return ExitCodes.UsageOrConfig;
        }

        var loaded = ConfigLoader.LoadFile(configPath);
        if (!loaded.IsValid)
        {
            ConfigOption.WriteProblems(loaded);
            return ExitCodes.UsageOrConfig;
        }

        // The run is the config's lane, isolated: its own data directory and ports, brisk traffic, no faults,
        // and a simulated operator that decides quickly so referred vehicles do not hold the lane.
        var options = loaded.Options!;
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"portscan-bench-lane-{Environment.ProcessId}");
        options.Gateway.DataDir = dataDirectory;
        foreach (var scanner in options.Devices.Scanners)
        {
            scanner.SpoolDir = Path.Combine(dataDirectory, "spool", scanner.Id);
        }

        options.Simulation.Enabled = true;
        options.Simulation.VehicleInterval = interval;
        options.Simulation.OperatorDecisionDelay = TimeSpan.FromMilliseconds(300);
        options.Simulation.FaultRate = 0;
        options.Simulation.ImageWidth = width ?? options.Simulation.ImageWidth;
        options.Simulation.ImageHeight = height ?? options.Simulation.ImageHeight;
        options.Mqtt.Broker = MqttBrokerKind.Embedded;
        options.Mqtt.Uris.Clear();
        options.Mqtt.EmbeddedPort = LoopbackPort.PickFree();
        options.Web.Port = LoopbackPort.PickFree();

        var started = Stopwatch.StartNew();
        try
        {
            using var host = GatewayHost.Build(options, loaded.FullPath!, LogFormat.Text, LogLevel.Warning);
            var hub = host.Services.GetRequiredService<LaneHub>();
            var registry = host.Services.GetRequiredService<LaneRegistry>();
            var notifications = hub.Subscribe();
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var closed = 0;
            var toClose = vehicles + (warmup * options.Lanes.Count);
            await foreach (var notification in notifications.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (notification is TransactionNotification { Closed: true } done)
                {
                    closed++;
                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"[{closed}/{toClose}] {done.LaneId} {done.Transaction.Id} {done.Transaction.Outcome} score {done.Transaction.Analysis?.Score:0.#########}")).ConfigureAwait(false);
                    if (closed >= toClose)
                    {
                        break;
                    }
                }
            }

            var samples = registry.Lanes.SelectMany(l => l.Statistics.PipelineSamples().Skip(warmup)).ToList();
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            if (samples.Count == 0)
            {
                await Console.Error.WriteLineAsync("error: no scan was analysed").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var total = samples.Select(s => s.Total).Order().ToArray();
            var model = samples.Select(s => s.Model).Order().ToArray();
            var other = samples.Select(s => s.Other).Order().ToArray();
            var decode = samples.Select(s => s.Decode).Order().ToArray();
            var figures = new Dictionary<string, object>
            {
                ["vehicles"] = closed,
                ["warmup_vehicles_per_lane"] = warmup,
                ["scans_measured"] = samples.Count,
                ["image_width"] = options.Simulation.ImageWidth,
                ["image_height"] = options.Simulation.ImageHeight,
                ["pipeline_ms_p50"] = Percentile(total, 0.50),
                ["pipeline_ms_p99"] = Percentile(total, 0.99),
                ["model_ms_p50"] = Percentile(model, 0.50),
                ["model_ms_p99"] = Percentile(model, 0.99),
                ["other_ms_p50"] = Percentile(other, 0.50),
                ["other_ms_p99"] = Percentile(other, 0.99),
                ["decode_ms_p50"] = Percentile(decode, 0.50),
                ["decode_ms_p99"] = Percentile(decode, 0.99),
                ["target_other_ms_p99"] = TargetOtherP99Milliseconds,
                ["other_p99_within_target"] = Percentile(other, 0.99) <= TargetOtherP99Milliseconds,
                ["vehicles_per_minute"] = Math.Round(closed / started.Elapsed.TotalMinutes, 1),
            };
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lane bench: {closed} vehicles, {samples.Count} scans, {options.Simulation.ImageWidth}x{options.Simulation.ImageHeight} radiographs"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  scan complete -> record: p50 {Percentile(total, 0.5):0.0} ms, p99 {Percentile(total, 0.99):0.0} ms"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  model (inference):       p50 {Percentile(model, 0.5):0.0} ms, p99 {Percentile(model, 0.99):0.0} ms"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  everything else:         p50 {Percentile(other, 0.5):0.0} ms, p99 {Percentile(other, 0.99):0.0} ms (target p99 <= {TargetOtherP99Milliseconds} ms)"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    of which image decode: p50 {Percentile(decode, 0.5):0.0} ms, p99 {Percentile(decode, 0.99):0.0} ms"));
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(figures));
            }

            return ExitCodes.Success;
        }
        finally
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}
