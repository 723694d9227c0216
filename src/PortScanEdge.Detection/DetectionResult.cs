using PortScanEdge.Detection.Inference;
using PortScanEdge.Detection.Intake;
using PortScanEdge.Detection.Processing;

namespace PortScanEdge.Detection;

/// <summary>The verdict on one scan.</summary>
public enum Verdict
{
    /// <summary>Score below the image threshold.</summary>
    Clear,

    /// <summary>Score at or above the image threshold: refer for a closer look.</summary>
    Alert,
}

/// <summary>Milliseconds spent in each stage of one analysis.</summary>
/// <param name="DecodeMilliseconds">Reading, validating and decoding the file(s).</param>
/// <param name="PreprocessMilliseconds">Downsampling, transform and filling tiles into the input tensor.</param>
/// <param name="InferMilliseconds">ONNX Runtime runs.</param>
/// <param name="PostprocessMilliseconds">Stitching, score, verdict and regions (and the overlay, when asked for).</param>
public readonly record struct StageTimings(double DecodeMilliseconds, double PreprocessMilliseconds, double InferMilliseconds, double PostprocessMilliseconds)
{
    /// <summary>Sum of the stages.</summary>
    public double TotalMilliseconds => DecodeMilliseconds + PreprocessMilliseconds + InferMilliseconds + PostprocessMilliseconds;
}

/// <summary>
/// A stitched anomaly map at the downsampled resolution: map pixel (x, y) covers radiograph pixels
/// [x·Scale, (x+1)·Scale) × [y·Scale, (y+1)·Scale). An owned copy, safe to keep.
/// </summary>
/// <param name="Width">Map width.</param>
/// <param name="Height">Map height.</param>
/// <param name="Scale">Radiograph pixels per map pixel (the downsample factor).</param>
/// <param name="Values">Row-major map values, typically 0..1.</param>
public sealed record HeatMap(int Width, int Height, int Scale, float[] Values);

/// <summary>The outcome of analysing one scan: a verdict with its evidence, or the reason the input was refused.</summary>
public sealed record DetectionResult
{
    /// <summary>True when the scan was analysed; false when it was refused (see <see cref="Rejection"/>).</summary>
    public bool Ok => Rejection is null;

    /// <summary>Why the input was refused, or null.</summary>
    public Rejection? Rejection { get; init; }

    /// <summary>Image anomaly score: the largest tile score (0 when refused).</summary>
    public double Score { get; init; }

    /// <summary>Verdict against <see cref="Threshold"/>.</summary>
    public Verdict Verdict { get; init; }

    /// <summary>Image threshold in force for this analysis.</summary>
    public double Threshold { get; init; }

    /// <summary>Regions of interest, strongest first (empty when none or refused).</summary>
    public IReadOnlyList<RegionOfInterest> Regions { get; init; } = [];

    /// <summary>The model that produced the result.</summary>
    public required ModelIdentity Model { get; init; }

    /// <summary>Per-stage times.</summary>
    public StageTimings Timings { get; init; }

    /// <summary>Radiograph width, pixels (0 when refused).</summary>
    public int Width { get; init; }

    /// <summary>Radiograph height, pixels.</summary>
    public int Height { get; init; }

    /// <summary>Tiles the networks saw (a two-band model: the main and the band network's together).</summary>
    public int Tiles { get; init; }

    /// <summary>The stitched heat map, when <see cref="AnalysisRequest.IncludeHeatMap"/> asked for it.</summary>
    public HeatMap? HeatMap { get; init; }

    /// <summary>Where the overlay PNG was written, when <see cref="AnalysisRequest.OverlayPath"/> asked for it.</summary>
    public string? OverlayPath { get; init; }
}

/// <summary>Extra outputs of one analysis; the default asks for none (the lean path the benchmark measures).</summary>
public sealed record AnalysisRequest
{
    /// <summary>No extras.</summary>
    public static AnalysisRequest None { get; } = new();

    /// <summary>Copy the stitched heat map into the result.</summary>
    public bool IncludeHeatMap { get; init; }

    /// <summary>Write a heat-map overlay PNG (colour map over the radiograph, region boxes) to this path.</summary>
    public string? OverlayPath { get; init; }
}

/// <summary>One scan to analyse: a single radiograph, or a dual-energy pair (low, high) for a two-channel model.</summary>
public sealed record RadiographInput
{
    private RadiographInput(string name, string? path, ReadOnlyMemory<byte> bytes, string? highPath)
    {
        Name = name;
        Path = path;
        Bytes = bytes;
        HighEnergyPath = highPath;
    }

    /// <summary>Name used in messages (the file path, or the caller's label for bytes).</summary>
    public string Name { get; }

    /// <summary>File to read, or null for in-memory bytes.</summary>
    public string? Path { get; }

    /// <summary>In-memory image when <see cref="Path"/> is null.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>High-energy image of a dual-energy pair (then <see cref="Path"/> is the low-energy one).</summary>
    public string? HighEnergyPath { get; }

    /// <summary>A radiograph file.</summary>
    public static RadiographInput FromFile(string path) => new(path, path, default, null);

    /// <summary>A dual-energy pair of files of the same size.</summary>
    public static RadiographInput FromDualEnergy(string lowEnergyPath, string highEnergyPath) => new(lowEnergyPath, lowEnergyPath, default, highEnergyPath);

    /// <summary>A radiograph already in memory (e.g. fetched from the scanner's share).</summary>
    public static RadiographInput FromBytes(string name, ReadOnlyMemory<byte> bytes) => new(name, null, bytes, null);
}
