using System.Globalization;
using System.Text.Json;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Detection;
using PortScanEdge.Detection.Inference;

namespace PortScanEdge.Host.Commands;

/// <summary>What <c>analyze</c> and <c>bench</c> share: config and model resolution, and the JSON shape of a result.</summary>
internal static class DetectionCommandSupport
{
    /// <summary>Exit code for usage and configuration errors.</summary>
    public const int UsageError = 2;

    /// <summary>
    /// Loads the <c>detection:</c> options (from <paramref name="configPath"/> when given) and opens the detector on
    /// <paramref name="modelPath"/>, else the config's model, else the shipped/test model.
    /// </summary>
    /// <returns>0, or <see cref="UsageError"/> after writing what is wrong to <paramref name="error"/>.</returns>
    public static int TryOpen(string? configPath, string? modelPath, TextWriter error, Action<DetectionOptions>? adjust, out RadiographDetector? detector)
    {
        detector = null;
        var options = new DetectionOptions();
        string? configModel = null;
        if (configPath is not null)
        {
            var loaded = ConfigLoader.LoadFile(configPath);
            if (!loaded.IsValid)
            {
                foreach (var problem in loaded.Problems)
                {
                    error.WriteLine(problem.ToString());
                }

                return UsageError;
            }

            options = loaded.Options!.Detection;
            if (!string.IsNullOrWhiteSpace(options.Model))
            {
                configModel = loaded.Options.ResolvePath(options.Model);
            }
        }

        adjust?.Invoke(options);
        var path = modelPath ?? configModel ?? ModelLocator.FindDefault();
        if (path is null)
        {
            error.WriteLine($"no model given and none found: pass --model PATH, set detection.model, or install {ModelLocator.ShippedModel}");
            return UsageError;
        }

        try
        {
            detector = RadiographDetector.Create(path, options);
            return 0;
        }
        catch (ModelContractException exception)
        {
            error.WriteLine($"model error: {exception.Message}");
            return UsageError;
        }
    }

    /// <summary>Writes one result as the JSON object documented for <c>analyze</c>.</summary>
    public static void WriteResult(Utf8JsonWriter json, string file, DetectionResult result, string? heatMapPath)
    {
        json.WriteStartObject();
        json.WriteString("file", file);
        json.WriteBoolean("ok", result.Ok);
        if (result.Rejection is { } rejection)
        {
            json.WriteString("error", rejection.Message);
            json.WriteString("error_kind", rejection.KindWord);
        }
        else
        {
            json.WriteNumber("score", Math.Round(result.Score, 9));
            json.WriteString("verdict", result.Verdict == Verdict.Alert ? "alert" : "clear");
            json.WriteNumber("threshold", result.Threshold);
            json.WriteNumber("width", result.Width);
            json.WriteNumber("height", result.Height);
            json.WriteNumber("tiles", result.Tiles);
            json.WriteStartArray("regions");
            foreach (var region in result.Regions)
            {
                json.WriteStartObject();
                json.WriteNumber("x", region.X);
                json.WriteNumber("y", region.Y);
                json.WriteNumber("width", region.Width);
                json.WriteNumber("height", region.Height);
                json.WriteNumber("peak_x", region.PeakX);
                json.WriteNumber("peak_y", region.PeakY);
                json.WriteNumber("peak_score", Math.Round(region.PeakScore, 9));
                json.WriteNumber("area", region.Area);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (heatMapPath is not null)
            {
                json.WriteString("heatmap", heatMapPath);
            }
        }

        json.WriteStartObject("model");
        json.WriteString("name", result.Model.Name);
        json.WriteString("version", result.Model.Version);
        json.WriteString("sha256", result.Model.Sha256);
        json.WriteEndObject();
        json.WriteStartObject("timings_ms");
        json.WriteNumber("decode", Math.Round(result.Timings.DecodeMilliseconds, 3));
        json.WriteNumber("preprocess", Math.Round(result.Timings.PreprocessMilliseconds, 3));
        json.WriteNumber("infer", Math.Round(result.Timings.InferMilliseconds, 3));
        json.WriteNumber("postprocess", Math.Round(result.Timings.PostprocessMilliseconds, 3));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
