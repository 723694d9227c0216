using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Detection.Inference;
using PortScanEdge.Detection.Intake;
using PortScanEdge.Detection.Processing;

namespace PortScanEdge.Detection;

/// <summary>
/// The detection pipeline: hardened intake → preprocessing into the bound input tensor → ONNX Runtime through
/// IoBinding → stitching, score, verdict, regions (→ overlay on request). See <see cref="IRadiographDetector"/>
/// for the concurrency policy. In steady state the per-scan path reuses every large buffer (file bytes, pixels,
/// planes, tensors, maps, labels); what it allocates is the small result and the decoder's bookkeeping.
/// </summary>
public sealed class RadiographDetector : IRadiographDetector
{
    private readonly OnnxAnomalyModel model;
    private readonly DetectionOptions options;
    private readonly ILogger logger;
    private readonly SemaphoreSlim slots;
    private readonly Stack<Workspace> idle = new();
    private readonly List<Workspace> all = [];
    private double threshold;
    private bool disposed;

    private RadiographDetector(OnnxAnomalyModel model, DetectionOptions options, ILogger logger)
    {
        this.model = model;
        this.options = options;
        this.logger = logger;
        threshold = model.Contract.ImageThreshold;
        slots = new SemaphoreSlim(options.MaxConcurrentAnalyses, options.MaxConcurrentAnalyses);
    }

    /// <inheritdoc/>
    public ModelIdentity Model => model.Contract.Identity;

    /// <inheritdoc/>
    public ModelContract Contract => model.Contract;

    /// <inheritdoc/>
    public double Threshold => Volatile.Read(ref threshold);

    /// <summary>The model session (for the benchmark's bare-inference baseline).</summary>
    public OnnxAnomalyModel OnnxModel => model;

    /// <summary>
    /// Loads the model, binds one workspace per allowed concurrent analysis and warms them up.
    /// </summary>
    /// <exception cref="ModelContractException">The model cannot be loaded or breaks the contract.</exception>
    public static RadiographDetector Create(string modelPath, DetectionOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var model = OnnxAnomalyModel.Load(modelPath, options);
        var detector = new RadiographDetector(model, options, logger);
        try
        {
            var c = model.Contract;
            var transform = c.Transform == PixelTransform.LogAttenuation ? "log_attenuation" : "linear";
            Log.ModelLoaded(logger, c.Identity.Name, c.Identity.Version, model.Path, c.Identity.Sha256, c.Channels, c.InputWidth, c.InputHeight, c.TileOverlap, c.Downsample, transform);
            if (model.Band is { } band)
            {
                Log.BandLoaded(logger, band.Path, band.Contract.Downsample, c.Band!.From);
            }

            for (var i = 0; i < options.MaxConcurrentAnalyses; i++)
            {
                var workspace = new Workspace(model, options);
                detector.all.Add(workspace);
                detector.idle.Push(workspace);
                foreach (var pass in workspace.Passes)
                {
                    var started = Stopwatch.GetTimestamp();
                    // The full batch: long scans, the usual case at a site, run it for all but their last tiles.
                    var full = pass.Bindings.For(pass.Bindings.MaxBatch);
                    for (var run = 0; run < options.WarmupRuns; run++)
                    {
                        full.Run();
                    }

                    var warmupMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (options.WarmupRuns > 0)
                    {
                        Log.WarmedUp(logger, options.WarmupRuns, full.BatchSize, warmupMilliseconds);
                    }
                }
            }

            return detector;
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public bool TrySetThreshold(double threshold)
    {
        if (!double.IsFinite(threshold) || threshold < options.ThresholdMin || threshold > options.ThresholdMax)
        {
            return false;
        }

        var old = Interlocked.Exchange(ref this.threshold, threshold);
        Log.ThresholdChanged(logger, old, threshold);
        return true;
    }

    /// <inheritdoc/>
    public async Task<DetectionResult> AnalyzeAsync(RadiographInput input, AnalysisRequest? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(disposed, this);
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Workspace workspace;
        lock (idle)
        {
            workspace = idle.Pop();
        }

        try
        {
            var result = Analyze(workspace, input, request ?? AnalysisRequest.None);
            if (result.Rejection is { } rejection)
            {
                Log.Refused(logger, input.Name, rejection.KindWord, rejection.Message);
            }
            else if (logger.IsEnabled(LogLevel.Debug))
            {
                Log.Analysed(logger, input.Name, result.Score, result.Verdict, result.Regions.Count, result.Tiles, result.Timings.TotalMilliseconds);
            }

            return result;
        }
        finally
        {
            lock (idle)
            {
                idle.Push(workspace);
            }

            slots.Release();
        }
    }

    private DetectionResult Analyze(Workspace w, RadiographInput input, AnalysisRequest request)
    {
        var contract = model.Contract;
        var started = Stopwatch.GetTimestamp();
        var rejection = Load(w, input, contract);
        var decoded = Stopwatch.GetTimestamp();
        if (rejection is not null)
        {
            return new DetectionResult
            {
                Rejection = rejection,
                Model = contract.Identity,
                Threshold = Threshold,
                Timings = new StageTimings(Milliseconds(started, decoded), 0, 0, 0),
            };
        }

        // The main network over the whole scan.
        var main = w.Main;
        var reducedWidth = contract.ReducedLength(w.Primary.Width);
        var reducedHeight = contract.ReducedLength(w.Primary.Height);
        main.Plan.Plan(contract, w.Primary.Width, w.Primary.Height);
        var ticks = new PassTicks { Preprocess = Stopwatch.GetTimestamp() - decoded };
        var score = Run(w, main, ref ticks);
        var tiles = main.Plan.Count;

        var postStart = Stopwatch.GetTimestamp();
        var peak = main.Stitcher.Finish();
        ticks.Post += Stopwatch.GetTimestamp() - postStart;

        // A two-band model: the band network answers for the rows from the band's first row down, its finer map
        // reduced onto the main grid by block maximum; the image score is then the combined map's maximum.
        if (w.Band is { } band)
        {
            if (model.BandFirstRow(w.Primary.Height) is { } firstRow)
            {
                band.Plan.Plan(band.Contract, w.Primary.Width, w.Primary.Height, firstRow * model.BandRatio);
                Run(w, band, ref ticks);
                tiles += band.Plan.Count;
                var combineStart = Stopwatch.GetTimestamp();
                band.Stitcher.Finish();
                main.Stitcher.ReplaceRows(firstRow, band.Stitcher, model.BandRatio);
                peak = main.Stitcher.Peak();
                ticks.Post += Stopwatch.GetTimestamp() - combineStart;
            }

            score = peak;
        }

        postStart = Stopwatch.GetTimestamp();
        var threshold = Threshold;

        // No map pixel reaches the pixel threshold (the usual case for a clear scan): no region to label.
        IReadOnlyList<RegionOfInterest> regions = peak >= (float)contract.PixelThreshold
            ? w.Regions.Find(
                main.Stitcher.Map, reducedWidth, reducedHeight, (float)contract.PixelThreshold, contract.Downsample,
                w.Primary.Width, w.Primary.Height, options.MaxRegions, options.MinRegionArea)
            : [];
        HeatMap? heatMap = request.IncludeHeatMap
            ? new HeatMap(reducedWidth, reducedHeight, contract.Downsample, main.Stitcher.Map.ToArray())
            : null;
        if (request.OverlayPath is { } overlayPath)
        {
            OverlayRenderer.Write(overlayPath, w.Primary, main.Stitcher.Map, reducedWidth, reducedHeight, contract.Downsample, regions, options.OverlayMaxSide);
        }

        ticks.Post += Stopwatch.GetTimestamp() - postStart;
        var finalScore = float.IsFinite(score) ? score : 0f;
        return new DetectionResult
        {
            Score = finalScore,
            Verdict = finalScore >= threshold ? Verdict.Alert : Verdict.Clear,
            Threshold = threshold,
            Regions = regions,
            Model = contract.Identity,
            Timings = new StageTimings(Milliseconds(started, decoded), Ticks(ticks.Preprocess), Ticks(ticks.Infer), Ticks(ticks.Post)),
            Width = w.Primary.Width,
            Height = w.Primary.Height,
            Tiles = tiles,
            HeatMap = heatMap,
            OverlayPath = request.OverlayPath,
        };
    }

    /// <summary>
    /// One network's pass over its planned tiles: reduces the rows its tiles read, fills each batch, runs it,
    /// stitches the maps. Returns the maximum tile score.
    /// </summary>
    private static float Run(Workspace w, Pass pass, ref PassTicks ticks)
    {
        var t = Stopwatch.GetTimestamp();
        var firstRow = pass.Plan.Origin(0).Y;
        pass.Preprocessor.Reduce(w.Primary, 0, firstRow);
        if (pass.Contract.Channels == 2)
        {
            pass.Preprocessor.Reduce(w.Secondary, 1, firstRow);
        }

        pass.Stitcher.Begin(pass.Preprocessor.ReducedWidth, pass.Preprocessor.ReducedHeight, pass.Plan);
        ticks.Preprocess += Stopwatch.GetTimestamp() - t;
        var tiles = pass.Plan.Count;
        var score = float.NegativeInfinity;
        for (var first = 0; first < tiles;)
        {
            var binding = pass.Bindings.For(tiles - first);
            var inBatch = Math.Min(binding.BatchSize, tiles - first);
            var t0 = Stopwatch.GetTimestamp();
            pass.Preprocessor.FillTiles(binding.Input, pass.Plan, first, inBatch);

            // Only a fixed-batch model has slots past inBatch: they keep earlier tiles, computed, then ignored below.
            var t1 = Stopwatch.GetTimestamp();
            binding.Run();
            var t2 = Stopwatch.GetTimestamp();
            for (var slot = 0; slot < inBatch; slot++)
            {
                score = Math.Max(score, binding.Scores[slot]);
            }

            pass.Stitcher.Add(binding.Maps, first, inBatch);

            var t3 = Stopwatch.GetTimestamp();
            ticks.Preprocess += t1 - t0;
            ticks.Infer += t2 - t1;
            ticks.Post += t3 - t2;
            first += inBatch;
        }

        return score;
    }

    private static Rejection? Load(Workspace w, RadiographInput input, ModelContract contract)
    {
        var dual = input.HighEnergyPath is not null;
        if (contract.Channels == 2 && !dual)
        {
            return new Rejection(RejectionKind.ModelMismatch, "the model takes a dual-energy pair (low, high) but one image was given");
        }

        if (contract.Channels != 2 && dual)
        {
            return new Rejection(RejectionKind.ModelMismatch, string.Create(CultureInfo.InvariantCulture, $"a dual-energy pair was given but the model takes {contract.Channels} channel(s) of one image"));
        }

        var rejection = input.Path is { } path ? w.Intake.TryLoad(path, w.Primary) : w.Intake.TryLoad(input.Bytes.Span, w.Primary);
        if (rejection is not null || !dual)
        {
            return rejection;
        }

        rejection = w.Intake.TryLoad(input.HighEnergyPath!, w.Secondary);
        if (rejection is not null)
        {
            return rejection with { Message = "high-energy image: " + rejection.Message };
        }

        return w.Primary.Width != w.Secondary.Width || w.Primary.Height != w.Secondary.Height
            ? new Rejection(RejectionKind.ModelMismatch, string.Create(CultureInfo.InvariantCulture, $"dual-energy images differ in size: {w.Primary.Width}x{w.Primary.Height} and {w.Secondary.Width}x{w.Secondary.Height}"))
            : null;
    }

    private static double Milliseconds(long from, long to) => Ticks(to - from);

    private static double Ticks(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var workspace in all)
        {
            workspace.Dispose();
        }

        model.Dispose();
        slots.Dispose();
    }

    /// <summary>Stopwatch ticks of one analysis by stage.</summary>
    private struct PassTicks
    {
        public long Preprocess;
        public long Infer;
        public long Post;
    }

    /// <summary>One network's share of a workspace: its planes, tile plan, stitched map and tensor bindings.</summary>
    private sealed class Pass(OnnxAnomalyModel model, DetectionOptions options, RowSplitter splitter) : IDisposable
    {
        public ModelContract Contract { get; } = model.Contract;

        public Preprocessor Preprocessor { get; } = new(model.Contract, splitter);

        public TilePlan Plan { get; } = new();

        public HeatMapStitcher Stitcher { get; } = new(splitter);

        public BatchBindings Bindings { get; } = new(model, options.BatchSize);

        public void Dispose() => Bindings.Dispose();
    }

    /// <summary>Everything one analysis needs, reused frame after frame. Owned by at most one analysis at a time.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly RowSplitter splitter = new();

        public Workspace(OnnxAnomalyModel model, DetectionOptions options)
        {
            Intake = new ImageIntake(ImageLimits.FromOptions(options));
            Main = new Pass(model, options, splitter);
            Band = model.Band is { } band ? new Pass(band, options, splitter) : null;
            Passes = Band is null ? [Main] : [Main, Band];
        }

        public ImageIntake Intake { get; }

        public Radiograph Primary { get; } = new();

        public Radiograph Secondary { get; } = new();

        /// <summary>The main network's pass (the whole scan; its map is the result's).</summary>
        public Pass Main { get; }

        /// <summary>The band network's pass of a two-band model, else null.</summary>
        public Pass? Band { get; }

        public IReadOnlyList<Pass> Passes { get; }

        public RegionFinder Regions { get; } = new();

        public void Dispose()
        {
            foreach (var pass in Passes)
            {
                pass.Dispose();
            }

            Intake.Dispose();
            splitter.Dispose();
        }
    }
}
