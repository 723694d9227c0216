using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Detection.Intake;

/// <summary>Bounds applied to every image before it is decoded.</summary>
public sealed record ImageLimits
{
    /// <summary>Largest width, pixels.</summary>
    public int MaxWidth { get; init; } = 16384;

    /// <summary>Largest height, pixels.</summary>
    public int MaxHeight { get; init; } = 8192;

    /// <summary>Largest area, pixels.</summary>
    public long MaxPixels { get; init; } = 64L * 1000 * 1000;

    /// <summary>Smallest side, pixels.</summary>
    public int MinSide { get; init; } = 32;

    /// <summary>Largest file, bytes.</summary>
    public long MaxFileBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Cap on the decoder's allocations for one image, megabytes.</summary>
    public int DecoderAllocationLimitMegabytes { get; init; } = 512;

    /// <summary>Largest ratio of decoded to compressed bytes (deflate cannot exceed about 1032:1).</summary>
    public double MaxCompressionRatio { get; init; } = 1000;

    /// <summary>Longest a decode may take before the file is refused.</summary>
    public TimeSpan DecodeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limits from the <c>detection:</c> section of the config.</summary>
    public static ImageLimits FromOptions(DetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ImageLimits
        {
            MaxWidth = options.MaxImageWidth,
            MaxHeight = options.MaxImageHeight,
            MaxPixels = (long)(options.MaxMegapixels * 1_000_000),
            MinSide = options.MinImageSide,
            MaxFileBytes = (long)options.MaxFileMegabytes * 1024 * 1024,
            DecoderAllocationLimitMegabytes = options.DecoderAllocationLimitMegabytes,
            MaxCompressionRatio = options.MaxCompressionRatio,
            DecodeTimeout = options.DecodeTimeout,
        };
    }
}
