namespace PortScanEdge.Core.Configuration;

/// <summary>ONNX Runtime execution provider.</summary>
public enum ExecutionProvider
{
    /// <summary>The default CPU provider.</summary>
    Cpu,
}

/// <summary>Anomaly detection on radiographs.</summary>
public sealed class DetectionOptions
{
    [Doc("Path to the ONNX model; empty uses the model shipped with the gateway. Relative paths are resolved against the config file's directory.")]
    public string Model { get; set; } = string.Empty;

    [Doc("Image anomaly-score threshold for an alert, 0..1; empty uses the threshold stored in the model.")]
    [Bounds(0, 1)]
    public double? Threshold { get; set; }

    [Doc("Lowest threshold the control room may set by command, 0..1.")]
    [Bounds(0, 1)]
    public double ThresholdMin { get; set; } = 0.05;

    [Doc("Highest threshold the control room may set by command, 0..1.")]
    [Bounds(0, 1)]
    public double ThresholdMax { get; set; } = 0.95;

    [Doc("ONNX Runtime intra-op threads for inference; 0 lets ONNX Runtime choose.")]
    [Bounds(0, 64)]
    public int IntraOpThreads { get; set; } = 2;

    [Doc("ONNX Runtime execution provider.")]
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;
}
