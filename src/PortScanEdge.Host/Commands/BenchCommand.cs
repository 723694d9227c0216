using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using PortScanEdge.Core.Imaging;
using PortScanEdge.Detection;
using PortScanEdge.Detection.Benchmarking;
using PortScanEdge.Detection.Inference;
using PortScanEdge.Detection.Intake;
using PortScanEdge.Detection.Processing;

namespace PortScanEdge.Host.Commands;

/// <summary>
/// <c>portscan-edge bench</c>: the project's own benchmark. Without a subcommand it measures the detection
/// pipeline (<c>bench detection</c> is the same). Other areas add their own mode as a subcommand here —
/// <c>command.Subcommands.Add(DevicesBench.Create())</c> — each printing a summary and, with <c>--json</c>,
/// one JSON object as the last stdout line.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command(
            "bench",
            "Measure performance with the project's own benchmark (ratios against a baseline measured in the same run). " +
            "Modes are subcommands; with none, the detection pipeline is measured. " +
            "Example: portscan-edge bench --frames 200 --json");
        var detection = DetectionBench.Create("detection");
        foreach (var option in detection.Options)
        {
            command.Options.Add(option);
        }

        command.Action = detection.Action;
        command.Subcommands.Add(detection);
        command.Subcommands.Add(BenchLaneCommand.Create("lane"));
        command.Subcommands.Add(BenchMqttCommand.Create("mqtt"));
        command.Subcommands.Add(BenchDevicesCommand.Create("devices"));
        return command;
    }
}

/// <summary>
/// <c>bench detection</c>: in one run, interleaved frame by frame, (a) bare ONNX Runtime inference over a
/// pre-filled input (the same tiles-per-scan as the real images) and (b) the full per-scan path (read + decode →
/// preprocess → infer → post-process). Reports p50/p95 per stage, the overhead ratio
/// (full − decode) / bare inference, managed bytes allocated per frame on the analysing thread in steady state,
/// Gen2 collections, scans per second and peak RSS.
/// </summary>
internal static class DetectionBench
{
    public static Command Create(string name)
    {
        var model = new Option<string?>("--model") { Description = "ONNX model (default: the shipped model)." };
        var config = new Option<string?>("--config") { Description = "Gateway config whose detection: section supplies threads and limits." };
        var images = new Option<string?>("--images") { Description = "Directory of radiographs (*.png, *.tif, *.tiff); default: generated 2048 x 6000 16-bit scans." };
        var frames = new Option<int>("--frames") { Description = "Measured frames (after warm-up).", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured warm-up frames (enough for the JIT to settle, so steady-state allocation is what is measured).", DefaultValueFactory = _ => 30 };
        var width = new Option<int>("--width") { Description = "Width of generated scans, pixels.", DefaultValueFactory = _ => 6000 };
        var height = new Option<int>("--height") { Description = "Height of generated scans, pixels.", DefaultValueFactory = _ => 2048 };
        var writeImages = new Option<string?>("--write-images") { Description = "Keep the generated scans in this directory (e.g. for the Node peer baseline)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every figure as the last stdout line." };
        var command = new Command(name, "Benchmark the detection pipeline against bare ONNX Runtime inference. Example: portscan-edge bench detection --frames 1000 --json")
        {
            model, config, images, frames, warmup, width, height, writeImages, json,
        };
        command.SetAction(parseResult => Run(
            new Settings(
                parseResult.GetValue(model),
                parseResult.GetValue(config),
                parseResult.GetValue(images),
                parseResult.GetValue(frames),
                parseResult.GetValue(warmup),
                parseResult.GetValue(width),
                parseResult.GetValue(height),
                parseResult.GetValue(writeImages),
                parseResult.GetValue(json)),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    internal sealed record Settings(string? Model, string? Config, string? Images, int Frames, int Warmup, int Width, int Height, string? WriteImages, bool Json);

    internal static int Run(Settings settings, TextWriter output, TextWriter error)
    {
        if (settings.Frames < 1 || settings.Warmup < 0 || settings.Width < 64 || settings.Height < 64)
        {
            error.WriteLine("bench: --frames must be ≥ 1, --warmup ≥ 0, --width and --height ≥ 64");
            return DetectionCommandSupport.UsageError;
        }

        var files = FindImages(settings, error, out var generatedDirectory);
        if (files is null)
        {
            return DetectionCommandSupport.UsageError;
        }

        try
        {
            var opened = DetectionCommandSupport.TryOpen(settings.Config, settings.Model, error, adjust: null, out var detector);
            if (opened != 0)
            {
                return opened;
            }

            using (detector)
            {
                return Measure(detector!, files, settings, output, error);
            }
        }
        finally
        {
            if (generatedDirectory is not null && settings.WriteImages is null)
            {
                Directory.Delete(generatedDirectory, recursive: true);
            }
        }
    }

    private static string[]? FindImages(Settings settings, TextWriter error, out string? generatedDirectory)
    {
        generatedDirectory = null;
        if (settings.Images is { } directory)
        {
            if (!Directory.Exists(directory))
            {
                error.WriteLine($"bench: --images '{directory}' is not a directory");
                return null;
            }

            var found = Directory.EnumerateFiles(directory)
                .Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".tif", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".tiff", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (found.Length == 0)
            {
                error.WriteLine($"bench: no .png/.tif/.tiff files in '{directory}'");
                return null;
            }

            return found;
        }

        generatedDirectory = settings.WriteImages ?? Path.Combine(Path.GetTempPath(), "portscan-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(generatedDirectory);
        var files = new string[4];
        for (var i = 0; i < files.Length; i++)
        {
            error.Write(DetectionCommandSupport.Invariant($"\rbench: generating scan {i + 1}/{files.Length} ({settings.Width} x {settings.Height}, 16-bit)"));
            var pixels = SyntheticScans.Generate(settings.Width, settings.Height, seed: 1000 + i, withAnomaly: i % 2 == 1);
            files[i] = Path.Combine(generatedDirectory, DetectionCommandSupport.Invariant($"scan-{i:D2}.png"));
            File.WriteAllBytes(files[i], PngWriter.EncodeGrey16(pixels, settings.Width, settings.Height));
        }

        error.WriteLine();
        return files;
    }

    private static int Measure(RadiographDetector detector, string[] files, Settings settings, TextWriter output, TextWriter error)
    {
        // Baseline: a second binding on the same session, input pre-filled with real tiles of the first image,
        // run as many batches as one scan of that image needs.
        var first = detector.AnalyzeAsync(RadiographInput.FromFile(files[0])).GetAwaiter().GetResult();
        if (!first.Ok)
        {
            error.WriteLine($"bench: {files[0]} was refused: {first.Rejection}");
            return DetectionCommandSupport.UsageError;
        }

        var options = new Core.Configuration.DetectionOptions();
        // The baseline runs the same batches as the pipeline, network by network (a two-band model's band network
        // on the tiles of its band): full ones, then the remainder.
        var model = detector.OnnxModel;
        var passes = new List<(OnnxAnomalyModel Model, int Top)> { (model, 0) };
        if (model.Band is { } bandModel && model.BandFirstRow(first.Height) is { } bandRow)
        {
            passes.Add((bandModel, bandRow * model.BandRatio));
        }

        // Real tiles of the first image (already analysed above, so it loads; should it not, the inputs stay zeros).
        using var intake = new ImageIntake(new ImageLimits());
        var radiograph = new Radiograph();
        var loaded = intake.TryLoad(files[0], radiograph) is null;
        var bindings = new List<BatchBindings>();
        using var disposeBindings = new Disposables(bindings);
        var batches = new List<ModelBinding>();
        foreach (var (passModel, top) in passes)
        {
            var bare = new BatchBindings(passModel, options.BatchSize);
            bindings.Add(bare);
            var plan = new TilePlan();
            plan.Plan(passModel.Contract, first.Width, first.Height, top);
            var passBatches = new List<ModelBinding>();
            for (var tile = 0; tile < plan.Count; tile += passBatches[^1].BatchSize)
            {
                passBatches.Add(bare.For(plan.Count - tile));
            }

            if (loaded)
            {
                var preprocessor = new Preprocessor(passModel.Contract);
                preprocessor.Reduce(radiograph, 0, plan.Origin(0).Y);
                foreach (var batch in passBatches.Distinct())
                {
                    for (var slot = 0; slot < batch.BatchSize; slot++)
                    {
                        var (x, y) = plan.Origin(slot % plan.Count);
                        preprocessor.FillTile(batch.Input, slot, x, y);
                    }
                }
            }

            batches.AddRange(passBatches);
        }

        var total = settings.Warmup + settings.Frames;
        var bareMs = new double[settings.Frames];
        var e2eMs = new double[settings.Frames];
        var decodeMs = new double[settings.Frames];
        var preprocessMs = new double[settings.Frames];
        var inferMs = new double[settings.Frames];
        var postMs = new double[settings.Frames];
        var overheadMs = new double[settings.Frames];
        long allocatedOnThread = 0;
        long gen2Before = 0;
        long totalAllocatedBefore = 0;
        long fullPathTicks = 0;
        var rejected = 0;
        var progress = Stopwatch.StartNew();
        for (var frame = 0; frame < total; frame++)
        {
            var measured = frame - settings.Warmup;
            if (measured == 0)
            {
                gen2Before = GC.CollectionCount(2);
                totalAllocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            }

            var t0 = Stopwatch.GetTimestamp();
            foreach (var batch in batches)
            {
                batch.Run();
            }

            var t1 = Stopwatch.GetTimestamp();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var result = detector.AnalyzeAsync(RadiographInput.FromFile(files[frame % files.Length])).GetAwaiter().GetResult();
            var allocatedAfter = GC.GetAllocatedBytesForCurrentThread();
            var t2 = Stopwatch.GetTimestamp();
            if (!result.Ok)
            {
                rejected++;
            }

            if (measured >= 0)
            {
                allocatedOnThread += allocatedAfter - allocatedBefore;
                fullPathTicks += t2 - t1;
                bareMs[measured] = Ms(t1 - t0);
                e2eMs[measured] = Ms(t2 - t1);
                decodeMs[measured] = result.Timings.DecodeMilliseconds;
                preprocessMs[measured] = result.Timings.PreprocessMilliseconds;
                inferMs[measured] = result.Timings.InferMilliseconds;
                postMs[measured] = result.Timings.PostprocessMilliseconds;
                overheadMs[measured] = e2eMs[measured] - decodeMs[measured];
            }

            if (progress.ElapsedMilliseconds > 500 || frame == total - 1)
            {
                progress.Restart();
                var phase = measured < 0 ? "warm-up" : "measuring";
                error.Write(DetectionCommandSupport.Invariant($"\rbench: {phase} frame {frame + 1}/{total}, last scan {Ms(t2 - t1):F1} ms (bare inference {Ms(t1 - t0):F1} ms)   "));
            }
        }

        error.WriteLine();
        var gen2 = (int)(GC.CollectionCount(2) - gen2Before);
        var processAllocatedPerFrame = (GC.GetTotalAllocatedBytes(precise: true) - totalAllocatedBefore) / (double)settings.Frames;
        var figures = new Figures
        {
            Frames = settings.Frames,
            Images = files.Length,
            ImageWidth = first.Width,
            ImageHeight = first.Height,
            TilesPerScan = first.Tiles,
            BatchSize = bindings[0].MaxBatch,
            Model = detector.Model,
            Rejected = rejected,
            OverheadRatio = Percentile(overheadMs, 50) / Percentile(bareMs, 50),
            AllocBytesPerFrame = allocatedOnThread / (double)settings.Frames,
            ProcessAllocBytesPerFrame = processAllocatedPerFrame,
            Gen2Collections = gen2,
            E2eP50 = Percentile(e2eMs, 50),
            E2eP95 = Percentile(e2eMs, 95),
            BareP50 = Percentile(bareMs, 50),
            BareP95 = Percentile(bareMs, 95),
            DecodeP50 = Percentile(decodeMs, 50),
            DecodeP95 = Percentile(decodeMs, 95),
            PreprocessP50 = Percentile(preprocessMs, 50),
            PreprocessP95 = Percentile(preprocessMs, 95),
            InferP50 = Percentile(inferMs, 50),
            InferP95 = Percentile(inferMs, 95),
            PostprocessP50 = Percentile(postMs, 50),
            PostprocessP95 = Percentile(postMs, 95),
            ScansPerSecond = settings.Frames / (fullPathTicks / (double)Stopwatch.Frequency),
            PeakRssMegabytes = PeakRssMegabytes(),
        };
        WriteSummary(figures, output);
        if (settings.Json)
        {
            output.WriteLine(figures.ToJson());
        }

        return rejected == 0 ? 0 : AnalyzeCommand.SomeRejected;
    }

    /// <summary>Disposes a list of bindings at the end of a scope.</summary>
    private sealed class Disposables(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static double Percentile(double[] values, double percentile)
    {
        var sorted = values.Order().ToArray();
        var rank = percentile / 100.0 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(sorted.Length - 1, low + 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }

    private static double PeakRssMegabytes()
    {
        // VmHWM is the resident-set high-water mark of this process (Linux); elsewhere fall back to .NET's figure.
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kilobytes = long.Parse(line["VmHWM:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    return kilobytes / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return Environment.WorkingSet / (1024.0 * 1024.0);
    }

    private static void WriteSummary(Figures f, TextWriter output)
    {
        output.WriteLine(DetectionCommandSupport.Invariant($"bench detection: {f.Frames} frames over {f.Images} images of {f.ImageWidth} x {f.ImageHeight}, {f.TilesPerScan} tiles/scan at batch {f.BatchSize}, model {f.Model.Name} {f.Model.Version} ({f.Model.Sha256[..12]})"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  stage            p50 ms     p95 ms"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  bare inference  {f.BareP50,8:F2}  {f.BareP95,9:F2}   (baseline: ONNX Runtime only, same tiles per scan)"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  decode          {f.DecodeP50,8:F2}  {f.DecodeP95,9:F2}"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  preprocess      {f.PreprocessP50,8:F2}  {f.PreprocessP95,9:F2}"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  infer           {f.InferP50,8:F2}  {f.InferP95,9:F2}"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  postprocess     {f.PostprocessP50,8:F2}  {f.PostprocessP95,9:F2}"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  end to end      {f.E2eP50,8:F2}  {f.E2eP95,9:F2}"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  overhead ratio (full - decode) / bare = {f.OverheadRatio:F3}   (target <= 1.10)"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  managed alloc per frame: {f.AllocBytesPerFrame:F0} B on the analysing thread (target <= 1024), {f.ProcessAllocBytesPerFrame:F0} B process-wide"));
        output.WriteLine(DetectionCommandSupport.Invariant($"  gen2 collections: {f.Gen2Collections} (target 0)   scans/s: {f.ScansPerSecond:F2}   peak RSS: {f.PeakRssMegabytes:F0} MB   refused: {f.Rejected}"));
    }

    private sealed record Figures
    {
        public int Frames { get; init; }
        public int Images { get; init; }
        public int ImageWidth { get; init; }
        public int ImageHeight { get; init; }
        public int TilesPerScan { get; init; }
        public int BatchSize { get; init; }
        public required ModelIdentity Model { get; init; }
        public int Rejected { get; init; }
        public double OverheadRatio { get; init; }
        public double AllocBytesPerFrame { get; init; }
        public double ProcessAllocBytesPerFrame { get; init; }
        public int Gen2Collections { get; init; }
        public double E2eP50 { get; init; }
        public double E2eP95 { get; init; }
        public double BareP50 { get; init; }
        public double BareP95 { get; init; }
        public double DecodeP50 { get; init; }
        public double DecodeP95 { get; init; }
        public double PreprocessP50 { get; init; }
        public double PreprocessP95 { get; init; }
        public double InferP50 { get; init; }
        public double InferP95 { get; init; }
        public double PostprocessP50 { get; init; }
        public double PostprocessP95 { get; init; }
        public double ScansPerSecond { get; init; }
        public double PeakRssMegabytes { get; init; }

        public string ToJson()
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("mode", "detection");
                json.WriteNumber("overhead_ratio", Math.Round(OverheadRatio, 4));
                json.WriteNumber("alloc_bytes_per_frame", Math.Round(AllocBytesPerFrame, 1));
                json.WriteNumber("process_alloc_bytes_per_frame", Math.Round(ProcessAllocBytesPerFrame, 1));
                json.WriteNumber("gen2_collections", Gen2Collections);
                json.WriteNumber("e2e_ms_p50", Math.Round(E2eP50, 3));
                json.WriteNumber("e2e_ms_p95", Math.Round(E2eP95, 3));
                json.WriteNumber("bare_infer_ms_p50", Math.Round(BareP50, 3));
                json.WriteNumber("bare_infer_ms_p95", Math.Round(BareP95, 3));
                json.WriteNumber("infer_ms_p50", Math.Round(InferP50, 3));
                json.WriteNumber("infer_ms_p95", Math.Round(InferP95, 3));
                json.WriteNumber("decode_ms_p50", Math.Round(DecodeP50, 3));
                json.WriteNumber("decode_ms_p95", Math.Round(DecodeP95, 3));
                json.WriteNumber("preprocess_ms_p50", Math.Round(PreprocessP50, 3));
                json.WriteNumber("preprocess_ms_p95", Math.Round(PreprocessP95, 3));
                json.WriteNumber("postprocess_ms_p50", Math.Round(PostprocessP50, 3));
                json.WriteNumber("postprocess_ms_p95", Math.Round(PostprocessP95, 3));
                json.WriteNumber("scans_per_second", Math.Round(ScansPerSecond, 3));
                json.WriteNumber("peak_rss_mb", Math.Round(PeakRssMegabytes, 1));
                json.WriteNumber("frames", Frames);
                json.WriteNumber("images", Images);
                json.WriteNumber("image_width", ImageWidth);
                json.WriteNumber("image_height", ImageHeight);
                json.WriteNumber("tiles_per_scan", TilesPerScan);
                json.WriteNumber("batch_size", BatchSize);
                json.WriteNumber("refused", Rejected);
                json.WriteString("model_name", Model.Name);
                json.WriteString("model_version", Model.Version);
                json.WriteString("model_sha256", Model.Sha256);
                json.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
