using System.Text.Json;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Detection.Inference;

namespace PortScanEdge.Detection.Tests.Support;

internal static class Fixtures
{
    public static JsonElement Json(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", name))).RootElement;

    /// <summary>The committed test model, copied beside the test assembly by the Detection project.</summary>
    public static string TestModelPath => Path.Combine(AppContext.BaseDirectory, ModelLocator.TestModel);

    /// <summary>The shipped model, copied beside the test assembly by the Detection project.</summary>
    public static string ShippedModelPath => Path.Combine(AppContext.BaseDirectory, ModelLocator.ShippedModel);

    /// <summary>The two-band model (models/CONTRACT.md, "Two-band models"), with its band network beside it.</summary>
    public static string TwoBandModelPath => Path.Combine(AppContext.BaseDirectory, "models", "portscan-xray-twoband.onnx");

    public static DetectionOptions Options(Action<DetectionOptions>? change = null)
    {
        var options = new DetectionOptions { IntraOpThreads = 1, WarmupRuns = 1, MinImageSide = 16 };
        change?.Invoke(options);
        return options;
    }
}
