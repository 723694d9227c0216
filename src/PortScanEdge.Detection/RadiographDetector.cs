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
            for (var i = 0; i < options.MaxConcurrentAnalyses; i++)
            {
                var workspace = new Workspace(model, options);
                detector.all.Add(workspace);
                detector.idle.Push(workspace);
                var started = Stopwatch.GetTimestamp();
                // The full batch: long scans, the usual case at a site, run it for all but their last tiles.
                var full = workspace.Bindings.For(workspace.Bindings.MaxBatch);
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

        // Preprocess: reduce into planes, plan tiles.
        w.Preprocessor.Reduce(w.Primary, 0);
        if (contract.Channels == 2)
        {
            w.Preprocessor.Reduce(w.Secondary, 1);
        }

        var reducedWidth = w.Preprocessor.ReducedWidth;
        var reducedHeight = w.Preprocessor.ReducedHeight;
        w.Plan.Plan(reducedWidth, reducedHeight, contract.InputWidth, contract.InputHeight, contract.TileOverlap);
        w.Stitcher.Begin(reducedWidth, reducedHeight, w.Plan);
        var preprocessTicks = Stopwatch.GetTimestamp() - decoded;
        long inferTicks = 0;
        long postTicks = 0;

        var tiles = w.Plan.Count;
        var score = float.NegativeInfinity;
        for (var first = 0; first < tiles;)
        {
            var binding = w.Bindings.For(tiles - first);
            var inBatch = Math.Min(binding.BatchSize, tiles - first);
            var t0 = Stopwatch.GetTimestamp();
            w.Preprocessor.FillTiles(binding.Input, w.Plan, first, inBatch);

            // Only a fixed-batch model has slots past inBatch: they keep earlier tiles, computed, then ignored below.
            var t1 = Stopwatch.GetTimestamp();
            binding.Run();
            var t2 = Stopwatch.GetTimestamp();
            for (var slot = 0; slot < inBatch; slot++)
            {
                score = Math.Max(score, binding.Scores[slot]);
            }

            w.Stitcher.Add(binding.Maps, first, inBatch);

            var t3 = Stopwatch.GetTimestamp();
            preprocessTicks += t1 - t0;
            inferTicks += t2 - t1;
            postTicks += t3 - t2;
            first += inBatch;
        }

        var postStart = Stopwatch.GetTimestamp();
        var peak = w.Stitcher.Finish();
        var threshold = Threshold;

        // No map pixel reaches the pixel threshold (the usual case for a clear scan): no region to label.
        IReadOnlyList<RegionOfInterest> regions = peak >= (float)contract.PixelThreshold
            ? w.Regions.Find(
                w.Stitcher.Map, reducedWidth, reducedHeight, (float)contract.PixelThreshold, contract.Downsample,
                w.Primary.Width, w.Primary.Height, options.MaxRegions, options.MinRegionArea)
            : [];
        HeatMap? heatMap = request.IncludeHeatMap
            ? new HeatMap(reducedWidth, reducedHeight, contract.Downsample, w.Stitcher.Map.ToArray())
            : null;
        if (request.OverlayPath is { } overlayPath)
        {
            OverlayRenderer.Write(overlayPath, w.Primary, w.Stitcher.Map, reducedWidth, reducedHeight, contract.Downsample, regions, options.OverlayMaxSide);
        }

        postTicks += Stopwatch.GetTimestamp() - postStart;
        var finalScore = float.IsFinite(score) ? score : 0f;
        return new DetectionResult
        {
            Score = finalScore,
            Verdict = finalScore >= threshold ? Verdict.Alert : Verdict.Clear,
            Threshold = threshold,
            Regions = regions,
            Model = contract.Identity,
            Timings = new StageTimings(Milliseconds(started, decoded), Ticks(preprocessTicks), Ticks(inferTicks), Ticks(postTicks)),
            Width = w.Primary.Width,
            Height = w.Primary.Height,
            Tiles = tiles,
            HeatMap = heatMap,
            OverlayPath = request.OverlayPath,
        };
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

    /// <summary>Everything one analysis needs, reused frame after frame. Owned by at most one analysis at a time.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly RowSplitter splitter = new();

        public Workspace(OnnxAnomalyModel model, DetectionOptions options)
        {
            Intake = new ImageIntake(ImageLimits.FromOptions(options));
            Preprocessor = new Preprocessor(model.Contract, splitter);
            Stitcher = new HeatMapStitcher(splitter);
            Bindings = new BatchBindings(model, options.BatchSize);
        }

        public ImageIntake Intake { get; }

        public Radiograph Primary { get; } = new();

        public Radiograph Secondary { get; } = new();

        public Preprocessor Preprocessor { get; }

        public TilePlan Plan { get; } = new();

        public HeatMapStitcher Stitcher { get; }

        public RegionFinder Regions { get; } = new();

        public BatchBindings Bindings { get; }

        public void Dispose()
        {
            Bindings.Dispose();
            Intake.Dispose();
            splitter.Dispose();
        }
    }
}
