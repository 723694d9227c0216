namespace PortScanEdge.Detection.Inference;

/// <summary>
/// Finds the model to use when neither <c>--model</c> nor <c>detection.model</c> names one: the shipped model
/// <c>models/portscan-xray.onnx</c> (from the model issue), else the committed test model
/// <c>models/test/portscan-test-localcontrast.onnx</c>; looked for beside the executable, then in the
/// current directory and its parents (so it also works from a source checkout).
/// </summary>
public static class ModelLocator
{
    /// <summary>File name of the shipped model under <c>models/</c>.</summary>
    public const string ShippedModel = "models/portscan-xray.onnx";

    /// <summary>The committed test model.</summary>
    public const string TestModel = "models/test/portscan-test-localcontrast.onnx";

    /// <summary>The default model's full path, or null when none is found.</summary>
    public static string? FindDefault()
    {
        foreach (var relative in new[] { ShippedModel, TestModel })
        {
            var beside = Path.Combine(AppContext.BaseDirectory, relative);
            if (File.Exists(beside))
            {
                return beside;
            }

            for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
