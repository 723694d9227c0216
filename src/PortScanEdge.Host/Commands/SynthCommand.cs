using System.CommandLine;
using System.Diagnostics;
using PortScanEdge.Simulation.Radiographs;

namespace PortScanEdge.Host.Commands;

/// <summary><c>portscan-edge synth</c>: writes a labelled synthetic radiograph data set.</summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output directory (created when missing).", Required = true };
        var count = new Option<int>("--count") { Description = "Number of radiographs (1–1000000).", DefaultValueFactory = _ => 100 };
        var seed = new Option<long>("--seed") { Description = "Data-set seed; the same seed writes the same images.", DefaultValueFactory = _ => 1 };
        var anomalyRate = new Option<double>("--anomaly-rate") { Description = "Share of radiographs with a concealment, 0–1.", DefaultValueFactory = _ => 0 };
        var width = new Option<int>("--width") { Description = $"Width in pixels ({RadiographGenerator.MinimumSize}–{RadiographGenerator.MaximumSize}).", DefaultValueFactory = _ => RadiographGenerator.DefaultWidth };
        var height = new Option<int>("--height") { Description = $"Height in pixels ({RadiographGenerator.MinimumSize}–{RadiographGenerator.MaximumSize}).", DefaultValueFactory = _ => RadiographGenerator.DefaultHeight };
        var dualEnergy = new Option<bool>("--dual-energy") { Description = "Also write the low-energy image of each scan (NNNNNN.le.png)." };
        var kinds = new Option<ConcealmentKind[]>("--kinds") { Description = "Only these concealment kinds (default: all): " + string.Join(", ", Enum.GetNames<ConcealmentKind>()), AllowMultipleArgumentsPerToken = true };
        var quiet = new Option<bool>("--quiet") { Description = "No progress display." };

        var command = new Command(
            "synth",
            "Generate synthetic 16-bit drive-through radiographs with labelled concealments: NNNNNN.png, labels.csv (file,label,boxes), concealments.csv, contact-sheet.png.\n\n" +
            "Example:\n  portscan-edge synth --out data/val --count 400 --seed 7 --anomaly-rate 0.5")
        {
            output, count, seed, anomalyRate, width, height, dualEnergy, kinds, quiet,
        };

        command.SetAction(parseResult =>
        {
            var options = new RadiographDatasetOptions
            {
                OutputDirectory = parseResult.GetRequiredValue(output),
                Count = parseResult.GetValue(count),
                Seed = parseResult.GetValue(seed),
                AnomalyRate = parseResult.GetValue(anomalyRate),
                Width = parseResult.GetValue(width),
                Height = parseResult.GetValue(height),
                DualEnergy = parseResult.GetValue(dualEnergy),
                Kinds = parseResult.GetValue(kinds),
            };

            if (options.Count is < 1 or > RadiographDataset.MaximumCount)
            {
                Console.Error.WriteLine($"error: --count must be 1–{RadiographDataset.MaximumCount}, got {options.Count}");
                return 2;
            }

            if (options.AnomalyRate is < 0 or > 1 || double.IsNaN(options.AnomalyRate))
            {
                Console.Error.WriteLine($"error: --anomaly-rate must be 0–1, got {options.AnomalyRate}");
                return 2;
            }

            if (options.Width is < RadiographGenerator.MinimumSize or > RadiographGenerator.MaximumSize ||
                options.Height is < RadiographGenerator.MinimumSize or > RadiographGenerator.MaximumSize)
            {
                Console.Error.WriteLine($"error: --width and --height must be {RadiographGenerator.MinimumSize}–{RadiographGenerator.MaximumSize}");
                return 2;
            }

            if (File.Exists(options.OutputDirectory))
            {
                Console.Error.WriteLine($"error: --out {options.OutputDirectory} is a file, not a directory");
                return 2;
            }

            var progress = parseResult.GetValue(quiet) ? null : new ConsoleProgress();
            var stopwatch = Stopwatch.StartNew();
            DatasetSummary summary;
            try
            {
                summary = RadiographDataset.Write(options, progress);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                progress?.Finish();
                Console.Error.WriteLine($"error: --out {options.OutputDirectory}: cannot write the data set: {ex.Message}");
                return 1;
            }

            progress?.Finish();
            Console.WriteLine($"wrote {summary.Count} radiographs ({summary.Anomalous} with concealments) to {options.OutputDirectory} in {stopwatch.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"labels: {summary.LabelsPath}");
            if (summary.ContactSheetPath is not null)
            {
                Console.WriteLine($"contact sheet: {summary.ContactSheetPath}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>A one-line progress display on stderr: redrawn in place on a terminal, every 10 % otherwise.</summary>
    private sealed class ConsoleProgress : IProgress<DatasetProgress>
    {
        private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
        private readonly object _gate = new();
        private int _lastDecile = -1;
        private long _lastDrawTicks;

        public void Report(DatasetProgress value)
        {
            lock (_gate)
            {
                double seconds = _stopwatch.Elapsed.TotalSeconds;
                double rate = value.Done / Math.Max(1e-6, seconds);
                double eta = (value.Total - value.Done) / Math.Max(1e-6, rate);
                string line = $"synth {value.Done}/{value.Total} ({100.0 * value.Done / value.Total:F0} %) {rate:F1} img/s, about {eta:F0} s left";
                if (!Console.IsErrorRedirected)
                {
                    if (value.Done == value.Total || _stopwatch.ElapsedTicks - _lastDrawTicks > Stopwatch.Frequency / 5)
                    {
                        _lastDrawTicks = _stopwatch.ElapsedTicks;
                        Console.Error.Write("\r" + line.PadRight(72));
                    }
                }
                else if (value.Done * 10 / value.Total is int decile && decile != _lastDecile && value.Total >= 20)
                {
                    _lastDecile = decile;
                    Console.Error.WriteLine(line);
                }
            }
        }

        public void Finish()
        {
            if (!Console.IsErrorRedirected && _lastDrawTicks > 0)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
