using System.CommandLine;
using System.Globalization;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Simulation.Emulators;
using PortScanEdge.Simulation.Traffic;

namespace PortScanEdge.Host.Commands;

/// <summary>
/// <c>portscan-edge emulate</c>: runs device emulators (scanner, plate readers) on pseudo-terminals so a technician
/// can exercise a real gateway before the hardware arrives. Prints the port paths to configure, then reads control
/// commands (faults, plates) from standard input until Ctrl+C or end of input.
/// </summary>
public static class EmulateCommand
{
    /// <summary>Exit code for a configuration or usage error.</summary>
    public const int UsageError = 2;

    /// <summary>Builds the command (the root command adds it).</summary>
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config")
        {
            Description = "Gateway config: emulate every scanner and plate reader it lists (not only those with port 'emulator').",
        };
        var scanners = new Option<int>("--scanners")
        {
            Description = "Without --config: number of scanner emulators.",
            DefaultValueFactory = _ => 1,
        };
        var plateReaders = new Option<int>("--plate-readers")
        {
            Description = "Without --config: number of plate reader emulators (front, rear).",
            DefaultValueFactory = _ => 2,
        };
        var format = new Option<PlateReaderFormat>("--plate-format")
        {
            Description = "Without --config: record format of the plate readers (OpenalprJson, Template, StxEtx).",
            DefaultValueFactory = _ => PlateReaderFormat.OpenalprJson,
        };
        var dualEnergy = new Option<bool>("--dual-energy") { Description = "Without --config: scanners announce dual-energy pairs." };
        var directory = new Option<DirectoryInfo?>("--dir")
        {
            Description = "Directory for the stable device links (default: $TMPDIR/portscan-edge-emulators).",
        };
        var platesEvery = new Option<double>("--plates-every")
        {
            Description = "Send a random plate from every plate reader every N seconds (0 = only on command).",
            DefaultValueFactory = _ => 0,
        };

        var command = new Command("emulate", """
            Run device emulators on pseudo-terminals and print the ports to configure.
            Example: portscan-edge emulate --scanners 1 --plate-readers 2 --plates-every 5
            Then type 'help' for fault injection commands (garbage, crc, drop, dup, slow, fault, disconnect, ...).
            """)
        {
            config, scanners, plateReaders, format, dualEnergy, directory, platesEvery,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            string dir = parse.GetValue(directory)?.FullName ?? Path.Combine(Path.GetTempPath(), "portscan-edge-emulators");
            Directory.CreateDirectory(dir);
            EmulatorSet set;
            FileInfo? configFile = parse.GetValue(config);
            if (configFile is not null)
            {
                ConfigLoadResult loaded = ConfigLoader.LoadFile(configFile.FullName);
                if (loaded.Options is null)
                {
                    foreach (ConfigProblem problem in loaded.Problems)
                    {
                        await Console.Error.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
                    }

                    return UsageError;
                }

                ScanReplaySet? replay;
                try
                {
                    replay = ScanReplayLoader.Load(loaded.Options);
                }
                catch (InvalidOperationException ex)
                {
                    await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                    return UsageError;
                }

                set = EmulatorSet.StartFor(loaded.Options, dir, all: true, images: replay is null ? null : new SyntheticScanImageSource(replay));
            }
            else
            {
                int scannerCount = parse.GetValue(scanners);
                int readerCount = parse.GetValue(plateReaders);
                if (scannerCount is < 0 or > 16 || readerCount is < 0 or > 16)
                {
                    await Console.Error.WriteLineAsync("--scanners and --plate-readers take 0..16").ConfigureAwait(false);
                    return UsageError;
                }

                set = EmulatorSet.StartCount(dir, scannerCount, readerCount, parse.GetValue(format), parse.GetValue(dualEnergy));
            }

            await using (set.ConfigureAwait(false))
            {
                await PrintAsync(set).ConfigureAwait(false);
                using var traffic = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                double every = parse.GetValue(platesEvery);
                Task plates = every > 0 ? SendPlatesAsync(set, TimeSpan.FromSeconds(every), traffic.Token) : Task.CompletedTask;
                await ReadCommandsAsync(set, cancellationToken).ConfigureAwait(false);
                await traffic.CancelAsync().ConfigureAwait(false);
                await plates.ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static async Task PrintAsync(EmulatorSet set)
    {
        TextWriter o = Console.Out;
        await o.WriteLineAsync("PortScanEdge device emulators running; configure the gateway with these ports:").ConfigureAwait(false);
        foreach (EmulatorEndpoint endpoint in set.Endpoints)
        {
            await o.WriteLineAsync("  " + EmulatorSet.Describe(endpoint)).ConfigureAwait(false);
        }

        await o.WriteLineAsync().ConfigureAwait(false);
        await o.WriteLineAsync("config snippet:").ConfigureAwait(false);
        await o.WriteLineAsync("devices:").ConfigureAwait(false);
        if (set.Scanners.Count > 0)
        {
            await o.WriteLineAsync("  scanners:").ConfigureAwait(false);
            foreach (EmulatorEndpoint e in set.Endpoints.Where(e => e.Kind == "scanner"))
            {
                await o.WriteLineAsync($"    - id: {e.DeviceId}\n      serial: {{ port: {e.DevicePath} }}\n      spool_dir: {e.Detail["spool ".Length..]}").ConfigureAwait(false);
            }
        }

        if (set.PlateReaders.Count > 0)
        {
            await o.WriteLineAsync("  plate_readers:").ConfigureAwait(false);
            foreach (EmulatorEndpoint e in set.Endpoints.Where(e => e.Kind == "plate-reader"))
            {
                await o.WriteLineAsync($"    - id: {e.DeviceId}\n      serial: {{ port: {e.DevicePath} }}").ConfigureAwait(false);
            }
        }

        await o.WriteLineAsync().ConfigureAwait(false);
        await o.WriteLineAsync("type 'help' for fault injection commands; Ctrl+C or end of input stops.").ConfigureAwait(false);
    }

    private static async Task ReadCommandsAsync(EmulatorSet set, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                string? line = await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (line is null)
                {
                    // End of input (e.g. run under systemd or with </dev/null): keep running until stopped.
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                    return;
                }

                string reply = await set.ExecuteAsync(line).ConfigureAwait(false);
                if (reply.Length > 0)
                {
                    await Console.Out.WriteLineAsync(reply).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task SendPlatesAsync(EmulatorSet set, TimeSpan every, CancellationToken cancellationToken)
    {
        var random = new Random();
        const string letters = "ABCDEFGHJKLMNPRSTUVWXYZ";
        try
        {
            while (true)
            {
                await Task.Delay(every, cancellationToken).ConfigureAwait(false);
                string plate = string.Create(CultureInfo.InvariantCulture, $"{letters[random.Next(letters.Length)]}{letters[random.Next(letters.Length)]}{letters[random.Next(letters.Length)]}{random.Next(100, 999)}");
                foreach (PlateReaderEmulator reader in set.PlateReaders.Values)
                {
                    await reader.EmitAsync(plate, 80 + random.Next(0, 200) / 10.0).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
