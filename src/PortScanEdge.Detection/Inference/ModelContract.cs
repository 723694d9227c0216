using System.Globalization;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Detection.Inference;

/// <summary>Pixel transform applied before the network (models/CONTRACT.md, <c>portscan.transform</c>).</summary>
public enum PixelTransform
{
    /// <summary>v = raw / scale.</summary>
    Linear,

    /// <summary>v = clamp(−ln(max(raw,1) / scale) / ln(scale), 0, 1): air → 0, dense → 1.</summary>
    LogAttenuation,
}

/// <summary>A model file that does not meet models/CONTRACT.md, or a config override that cannot apply to it.</summary>
public sealed class ModelContractException : Exception
{
    /// <summary>Creates the exception with a message naming the model and what is wrong.</summary>
    public ModelContractException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public ModelContractException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an empty exception (serialisation and analyzers).</summary>
    public ModelContractException()
    {
    }
}

/// <summary>Name, version and SHA-256 of the model file: stamped on every result.</summary>
/// <param name="Name">Model name (<c>portscan.model_name</c>, else the file name).</param>
/// <param name="Version">Model version (<c>portscan.model_version</c>, else 0.0.0).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the model file, computed at load.</param>
public sealed record ModelIdentity(string Name, string Version, string Sha256);

/// <summary>
/// The band network of a two-band model (models/CONTRACT.md, "Two-band models"): a second ONNX file beside the
/// main one that answers for the rows from <paramref name="From"/> of the scan height down.
/// </summary>
/// <param name="File">File name of the band network, in the main model's directory (<c>portscan.band_model</c>).</param>
/// <param name="Sha256">Lower-case hex SHA-256 the band file must have (<c>portscan.band_sha256</c>).</param>
/// <param name="From">Where the band starts, as a share of the height, in (0, 1) (<c>portscan.band_from</c>).</param>
public sealed record ModelBand(string File, string Sha256, double From)
{
    /// <summary>The first row of the main network's map (of <paramref name="mainHeight"/> rows) that the band answers for: ⌊From × height⌋.</summary>
    public int FirstRow(int mainHeight) => Math.Min(mainHeight, (int)Math.Floor(From * mainHeight));
}

/// <summary>
/// Everything the pipeline needs to feed a model and read it back, resolved once at load from the model's
/// <c>portscan.*</c> metadata, its tensor shapes and the config overrides (models/CONTRACT.md).
/// </summary>
public sealed record ModelContract
{
    /// <summary>Name of the input tensor.</summary>
    public const string InputName = "input";

    /// <summary>Name of the image-score output.</summary>
    public const string ScoreName = "pred_score";

    /// <summary>Name of the anomaly-map output.</summary>
    public const string MapName = "anomaly_map";

    /// <summary>Identity stamped on results.</summary>
    public required ModelIdentity Identity { get; init; }

    /// <summary>Contract version (<c>portscan.contract</c>); 0 for a plain Anomalib export without our metadata.</summary>
    public int ContractVersion { get; init; }

    /// <summary>Input channels: 1 grey, 2 dual-energy (low, high), 3 RGB (grey replicated).</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Network input (tile) height, pixels.</summary>
    public int InputHeight { get; init; } = 256;

    /// <summary>Network input (tile) width, pixels.</summary>
    public int InputWidth { get; init; } = 256;

    /// <summary>Raw value that maps to 1.0; null means 65535 for 16-bit and 255 for 8-bit sources.</summary>
    public double? PixelScale { get; init; }

    /// <summary>Transform applied to each (downsampled) raw value.</summary>
    public PixelTransform Transform { get; init; } = PixelTransform.Linear;

    /// <summary>Integer box-average reduction of the radiograph before tiling.</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>Length of a radiograph axis of <paramref name="length"/> pixels after the <see cref="Downsample"/> reduction (a partial block counts).</summary>
    public int ReducedLength(int length) => (length + Downsample - 1) / Downsample;

    /// <summary>Overlap between neighbouring tiles, network-input pixels.</summary>
    public int TileOverlap { get; init; }

    /// <summary>Optional per-channel mean subtracted after the transform (length = <see cref="Channels"/>).</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Optional per-channel standard deviation divided by after the transform.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Image score at or above which the verdict is alert.</summary>
    public double ImageThreshold { get; init; } = 0.5;

    /// <summary>Map value at or above which a pixel belongs to a region of interest.</summary>
    public double PixelThreshold { get; init; } = 0.5;

    /// <summary>Fixed batch dimension of the input, or null when the batch is dynamic.</summary>
    public int? FixedBatch { get; init; }

    /// <summary>The band network this (main) model names, or null for a one-network model.</summary>
    public ModelBand? Band { get; init; }

    /// <summary>True for the band network of a two-band model (<c>portscan.role</c> = <c>band</c>): never loaded on its own.</summary>
    public bool IsBandNetwork { get; init; }

    /// <summary>Reads the contract from metadata and shapes, applying config overrides.</summary>
    /// <param name="fileName">Model file name (fallback model name).</param>
    /// <param name="sha256">File hash.</param>
    /// <param name="metadata">ONNX <c>metadata_props</c>.</param>
    /// <param name="inputShape">Dimensions of <c>input</c> (−1 for dynamic).</param>
    /// <param name="options">The <c>detection:</c> config section, for overrides.</param>
    public static ModelContract Resolve(string fileName, string sha256, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<int> inputShape, DetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(options);
        if (inputShape.Count != 4)
        {
            throw new ModelContractException($"model '{fileName}': input '{InputName}' has rank {inputShape.Count}; [N, C, H, W] is required");
        }

        string? Text(string key) => metadata.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        int Integer(string key, int fallback, int min, int max)
        {
            var text = Text(key);
            if (text is null)
            {
                return fallback;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                throw new ModelContractException($"model '{fileName}': metadata {key}='{text}' is not a whole number in {min}..{max}");
            }

            return value;
        }

        double? Number(string key, double min, double max)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min || value > max)
            {
                throw new ModelContractException($"model '{fileName}': metadata {key}='{text}' is not a number in {min}..{max}");
            }

            return value;
        }

        var shapeChannels = inputShape[1] > 0 ? inputShape[1] : (int?)null;
        var channels = Integer("portscan.channels", shapeChannels ?? 3, 1, 3);
        if (shapeChannels is not null && shapeChannels != channels)
        {
            throw new ModelContractException($"model '{fileName}': metadata says {channels} channels but input '{InputName}' has {shapeChannels}");
        }

        var height = Integer("portscan.input_height", inputShape[2] > 0 ? inputShape[2] : 256, 8, 8192);
        var width = Integer("portscan.input_width", inputShape[3] > 0 ? inputShape[3] : 256, 8, 8192);
        if ((inputShape[2] > 0 && inputShape[2] != height) || (inputShape[3] > 0 && inputShape[3] != width))
        {
            throw new ModelContractException($"model '{fileName}': metadata input size {height}x{width} does not match the input shape {inputShape[2]}x{inputShape[3]}");
        }

        var transformText = Text("portscan.transform") ?? "linear";
        var transform = options.Transform switch
        {
            PixelTransformOverride.Linear => PixelTransform.Linear,
            PixelTransformOverride.LogAttenuation => PixelTransform.LogAttenuation,
            _ => transformText switch
            {
                "linear" => PixelTransform.Linear,
                "log_attenuation" => PixelTransform.LogAttenuation,
                _ => throw new ModelContractException($"model '{fileName}': metadata portscan.transform='{transformText}' is not 'linear' or 'log_attenuation'"),
            },
        };

        var overlap = options.TileOverlap ?? Integer("portscan.tile_overlap", 0, 0, 4096);
        if (overlap >= Math.Min(height, width))
        {
            throw new ModelContractException($"model '{fileName}': tile overlap {overlap} must be smaller than the tile size {height}x{width}");
        }

        var imageThreshold = options.Threshold ?? Number("portscan.image_threshold", 0, 1) ?? 0.5;
        var pixelThreshold = options.PixelThreshold ?? Number("portscan.pixel_threshold", 0, 1) ?? imageThreshold;
        var mean = Floats("portscan.mean");
        var std = Floats("portscan.std");
        if (std is not null && std.Any(s => s <= 0))
        {
            throw new ModelContractException($"model '{fileName}': metadata portscan.std must be positive");
        }

        var role = Text("portscan.role");
        if (role is not null and not "band")
        {
            throw new ModelContractException($"model '{fileName}': metadata portscan.role='{role}' is not 'band'");
        }

        var band = ResolveBand(fileName, Text("portscan.band_model"), Text("portscan.band_sha256"), Number("portscan.band_from", 0, 1));
        if (band is not null && role is not null)
        {
            throw new ModelContractException($"model '{fileName}': a band network cannot name a band network of its own");
        }

        if (band is not null && options.Downsample is not null)
        {
            throw new ModelContractException($"model '{fileName}' is a two-band model; detection.downsample cannot override it (remove the setting)");
        }

        return new ModelContract
        {
            Identity = new ModelIdentity(Text("portscan.model_name") ?? Path.GetFileNameWithoutExtension(fileName), Text("portscan.model_version") ?? "0.0.0", sha256),
            ContractVersion = Integer("portscan.contract", 0, 0, 1000),
            Channels = channels,
            InputHeight = height,
            InputWidth = width,
            PixelScale = Number("portscan.pixel_scale", 1, 65535),
            Transform = transform,
            Downsample = options.Downsample ?? Integer("portscan.downsample", 1, 1, 64),
            TileOverlap = overlap,
            Mean = mean,
            Std = std,
            ImageThreshold = imageThreshold,
            PixelThreshold = pixelThreshold,
            FixedBatch = inputShape[0] > 0 ? inputShape[0] : null,
            Band = band,
            IsBandNetwork = role is not null,
        };

        float[]? Floats(string key)
        {
            var text = Text(key);
            if (text is null)
            {
                return null;
            }

            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var values = new float[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                {
                    throw new ModelContractException($"model '{fileName}': metadata {key}='{text}' is not a comma-separated list of numbers");
                }
            }

            if (values.Length != channels)
            {
                throw new ModelContractException($"model '{fileName}': metadata {key} has {values.Length} values for {channels} channels");
            }

            return values;
        }
    }

    private static ModelBand? ResolveBand(string fileName, string? file, string? sha256, double? from)
    {
        if (file is null && sha256 is null && from is null)
        {
            return null;
        }

        if (file is null || sha256 is null || from is null)
        {
            throw new ModelContractException($"model '{fileName}': a two-band model needs all of portscan.band_model, portscan.band_sha256 and portscan.band_from");
        }

        if (file != Path.GetFileName(file) || file is "." or "..")
        {
            throw new ModelContractException($"model '{fileName}': portscan.band_model='{file}' must be a plain file name in the model's directory");
        }

        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ModelContractException($"model '{fileName}': portscan.band_sha256='{sha256}' is not 64 lower-case hex digits");
        }

        if (from is <= 0 or >= 1)
        {
            throw new ModelContractException($"model '{fileName}': portscan.band_from={from.Value.ToString(CultureInfo.InvariantCulture)} must lie strictly between 0 and 1");
        }

        return new ModelBand(file, sha256, from.Value);
    }
}
