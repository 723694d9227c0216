namespace PortScanEdge.Core.Configuration;

/// <summary>ONNX Runtime execution provider.</summary>
public enum ExecutionProvider
{
    /// <summary>The default CPU provider.</summary>
    Cpu,
}

/// <summary>Which image transform the model expects; <see cref="Model"/> takes it from the model's metadata.</summary>
public enum PixelTransformOverride
{
    /// <summary>Use the transform stored in the model (<c>portscan.transform</c>).</summary>
    Model,

    /// <summary>v = raw / scale.</summary>
    Linear,

    /// <summary>v = clamp(−ln(max(raw,1) / scale) / ln(scale), 0, 1): air → 0, dense → 1.</summary>
    LogAttenuation,
}

/// <summary>Anomaly detection on radiographs.</summary>
public sealed class DetectionOptions
{
    [Doc("Path to the ONNX model; empty uses the model shipped with the gateway. Relative paths are resolved against the config file's directory.")]
    public string Model { get; set; } = string.Empty;

    [Doc("Image anomaly-score threshold for an alert, 0..1; empty uses the threshold stored in the model.")]
    [Bounds(0, 1)]
    public double? Threshold { get; set; }

    [Doc("Pixel threshold of the anomaly map for regions of interest, 0..1; empty uses the model's (or the image threshold).")]
    [Bounds(0, 1)]
    public double? PixelThreshold { get; set; }

    [Doc("Lowest threshold the control room may set by command, 0..1.")]
    [Bounds(0, 1)]
    public double ThresholdMin { get; set; } = 0.05;

    [Doc("Highest threshold the control room may set by command, 0..1. The default is just below 1, so a command cannot switch detection off, yet above the shipped model's own calibrated threshold (its scores crowd just below 1).")]
    [Bounds(0, 1)]
    public double ThresholdMax { get; set; } = 0.999999;

    [Doc("ONNX Runtime intra-op threads for inference; 0 lets ONNX Runtime choose.")]
    [Bounds(0, 64)]
    public int IntraOpThreads { get; set; } = 2;

    [Doc("Let ONNX Runtime worker threads spin while waiting for work: lower latency, but burns CPU the lane's other work needs. Off by default.")]
    public bool AllowSpinning { get; set; }

    [Doc("ONNX Runtime execution provider.")]
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    [Doc("Most tiles fed to the network per inference call. A scan's last tiles run as a smaller batch (9 tiles at 4: 4 + 4 + 1), so no inference is spent on empty slots; tensors are bound once per batch size used.")]
    [Bounds(1, 64)]
    public int BatchSize { get; set; } = 4;

    [Doc("Analyses that may run at the same time on one gateway (each has its own buffers and bindings; the model session is shared). Further requests wait their turn in order; none is dropped.")]
    [Bounds(1, 8)]
    public int MaxConcurrentAnalyses { get; set; } = 1;

    [Doc("Inference runs at start-up on a blank tile batch so the first real scan is not slow.")]
    [Bounds(0, 100)]
    public int WarmupRuns { get; set; } = 2;

    [Doc("Override of the model's tile overlap in network-input pixels; empty uses the model's portscan.tile_overlap.")]
    [Bounds(0, 4096)]
    public int? TileOverlap { get; set; }

    [Doc("Override of the model's downsample factor; empty uses the model's portscan.downsample. Refused for a two-band model.")]
    [Bounds(1, 64)]
    public int? Downsample { get; set; }

    [Doc("Override of the model's pixel transform; 'model' uses the model's portscan.transform.")]
    public PixelTransformOverride Transform { get; set; } = PixelTransformOverride.Model;

    [Doc("Largest radiograph width accepted, pixels.")]
    [Bounds(1, 65535)]
    public int MaxImageWidth { get; set; } = 16384;

    [Doc("Largest radiograph height accepted, pixels.")]
    [Bounds(1, 65535)]
    public int MaxImageHeight { get; set; } = 8192;

    [Doc("Largest radiograph area accepted, megapixels (bounds memory and decode time).")]
    [Bounds(0.001, 1024)]
    public double MaxMegapixels { get; set; } = 64;

    [Doc("Smallest radiograph side accepted, pixels.")]
    [Bounds(1, 4096)]
    public int MinImageSide { get; set; } = 32;

    [Doc("Largest image file accepted, megabytes.")]
    [Bounds(1, 4096)]
    public int MaxFileMegabytes { get; set; } = 256;

    [Doc("Cap on memory the image decoder may allocate for one image, megabytes (ImageSharp AllocationLimitMegabytes).")]
    [Bounds(16, 8192)]
    public int DecoderAllocationLimitMegabytes { get; set; } = 512;

    [Doc("Largest ratio of decoded bytes to compressed image bytes accepted; above it the file is treated as a decompression bomb.")]
    [Bounds(2, 100000)]
    public double MaxCompressionRatio { get; set; } = 1000;

    [Doc("Time one image decode may take before the file is rejected; hostile files are refused on structure before decoding.")]
    public TimeSpan DecodeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Doc("Most regions of interest reported per scan (largest peaks first).")]
    [Bounds(1, 1000)]
    public int MaxRegions { get; set; } = 16;

    [Doc("Regions smaller than this many radiograph pixels are ignored.")]
    [Bounds(0, 1000000)]
    public int MinRegionArea { get; set; } = 16;

    [Doc("Longest side of the heat-map overlay PNG, pixels; larger radiographs are shown reduced.")]
    [Bounds(64, 16384)]
    public int OverlayMaxSide { get; set; } = 2048;
}
