using PortScanEdge.Detection.Inference;

namespace PortScanEdge.Detection;

/// <summary>
/// Analyses radiographs with one anomaly model. Thread-safe: any number of lanes may call
/// <see cref="AnalyzeAsync"/> at once. Concurrency policy: the detector owns
/// <c>detection.max_concurrent_analyses</c> workspaces (default 1 — on a 2-core gateway one analysis already
/// uses both cores through ONNX Runtime's intra-op threads); a call beyond that waits asynchronously for a free
/// workspace, in arrival order as far as <see cref="SemaphoreSlim"/> gives it, and is never dropped. A caller's
/// cancellation token cancels only its own wait. The analysis itself runs on the calling thread: call it from a
/// worker task, not from a UI or I/O loop.
/// </summary>
public interface IRadiographDetector : IDisposable
{
    /// <summary>Model name, version and SHA-256 stamped on every result.</summary>
    ModelIdentity Model { get; }

    /// <summary>The model's resolved contract.</summary>
    ModelContract Contract { get; }

    /// <summary>Current image threshold (the model's, the config's, or the last one set).</summary>
    double Threshold { get; }

    /// <summary>Changes the image threshold for analyses that start afterwards.</summary>
    /// <returns>False when <paramref name="threshold"/> is outside the configured allowed range.</returns>
    bool TrySetThreshold(double threshold);

    /// <summary>Analyses one scan. Never throws for bad input: a refused input gives a result with <see cref="DetectionResult.Rejection"/>.</summary>
    Task<DetectionResult> AnalyzeAsync(RadiographInput input, AnalysisRequest? request = null, CancellationToken cancellationToken = default);
}
