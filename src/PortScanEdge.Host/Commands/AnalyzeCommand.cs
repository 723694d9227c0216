using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using PortScanEdge.Detection;
using PortScanEdge.Detection.Intake;

namespace PortScanEdge.Host.Commands;

/// <summary>
/// <c>portscan-edge analyze</c>: runs the detection pipeline on radiograph files and prints one JSON line per file.
/// Exit 0 when every file was analysed, 3 when any was refused, 2 for usage or configuration errors.
/// A file's failure — hostile, truncated, missing, or even an unexpected fault — is reported on its own line and
/// the next file is analysed; the command never stops early.
/// </summary>
internal static class AnalyzeCommand
{
    /// <summary>Exit code when at least one file was refused.</summary>
    public const int SomeRejected = 3;

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "ONNX model to use (default: detection.model from --config, else the shipped model)." };
        var config = new Option<string?>("--config") { Description = "Gateway config file whose detection: section supplies thresholds, limits and threads." };
        var heatmapDir = new Option<string?>("--heatmap-dir") { Description = "Write a heat-map overlay PNG per analysed file into this directory." };
        var files = new Argument<string[]>("FILE") { Description = "Radiographs (16- or 8-bit greyscale PNG or TIFF).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(
            "analyze",
            "Analyse radiographs for anomalies: one JSON line per file (score, verdict, regions, model, timings). " +
            "Exit 0 all analysed, 3 some refused, 2 usage/config error. " +
            "Example: portscan-edge analyze --heatmap-dir out/ scans/truck-0001.png scans/truck-0002.tif")
        {
            model,
            config,
            heatmapDir,
            files,
        };
        command.SetAction(parseResult => Run(
            parseResult.GetValue(model),
            parseResult.GetValue(config),
            parseResult.GetValue(heatmapDir),
            parseResult.GetValue(files) ?? [],
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>The command's body, callable from tests with their own writers.</summary>
    internal static int Run(string? modelPath, string? configPath, string? heatmapDir, IReadOnlyList<string> files, TextWriter output, TextWriter error)
    {
        if (files.Count == 0)
        {
            error.WriteLine("analyze: give at least one FILE");
            return DetectionCommandSupport.UsageError;
        }

        var unknown = files.FirstOrDefault(f => f.StartsWith('-') && !File.Exists(f));
        if (unknown is not null)
        {
            // The parser hands unrecognised options to FILE; a file name that starts with '-' can be given as ./-name.
            error.WriteLine($"analyze: unknown option '{unknown}'. Run 'portscan-edge analyze --help' for usage.");
            return DetectionCommandSupport.UsageError;
        }

        var opened = DetectionCommandSupport.TryOpen(configPath, modelPath, error, adjust: null, out var detector);
        if (opened != 0)
        {
            return opened;
        }

        using (detector)
        {
            var rejected = 0;
            var usedNames = new HashSet<string>(StringComparer.Ordinal);
            var writerOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            foreach (var file in files)
            {
                string? overlay = null;
                if (heatmapDir is not null)
                {
                    var stem = Path.GetFileNameWithoutExtension(file);
                    var name = stem + ".heatmap.png";
                    for (var n = 2; !usedNames.Add(name); n++)
                    {
                        name = DetectionCommandSupport.Invariant($"{stem}-{n}.heatmap.png");
                    }

                    overlay = Path.Combine(heatmapDir, name);
                }

                DetectionResult result;
                try
                {
                    result = detector!.AnalyzeAsync(RadiographInput.FromFile(file), new AnalysisRequest { OverlayPath = overlay }).GetAwaiter().GetResult();
                }
#pragma warning disable CA1031 // One file's unexpected fault must not stop the others: it is reported on its line.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    result = new DetectionResult
                    {
                        Rejection = new Rejection(RejectionKind.Corrupt, $"internal error while analysing: {exception.GetType().Name}: {exception.Message}"),
                        Model = detector!.Model,
                    };
                }

                if (!result.Ok)
                {
                    rejected++;
                }

                using var buffer = new MemoryStream();
                using (var json = new Utf8JsonWriter(buffer, writerOptions))
                {
                    DetectionCommandSupport.WriteResult(json, file, result, result.Ok ? overlay : null);
                }

                output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                output.Flush();
            }

            return rejected == 0 ? 0 : SomeRejected;
        }
    }
}
