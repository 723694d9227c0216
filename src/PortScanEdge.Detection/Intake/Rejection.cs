namespace PortScanEdge.Detection.Intake;

/// <summary>Why an image was refused. Each value is a class of hostile or unusable input the intake recognises.</summary>
public enum RejectionKind
{
    /// <summary>The file could not be read (missing, unreadable, or larger than the configured limit).</summary>
    FileError,

    /// <summary>The bytes are not a PNG or TIFF image at all.</summary>
    NotAnImage,

    /// <summary>A PNG/TIFF variant the gateway does not decode (BigTIFF, 1/2/4/12-bit samples, unknown compression).</summary>
    UnsupportedFormat,

    /// <summary>The file ends before the data its header promises (partial transfer).</summary>
    Truncated,

    /// <summary>The structure is inconsistent (bad header, CRC error, IFD loop, decoder error).</summary>
    Corrupt,

    /// <summary>A colour (or alpha/palette) image where a greyscale radiograph is expected.</summary>
    Colour,

    /// <summary>More than one frame or page (APNG, multi-page TIFF).</summary>
    MultiFrame,

    /// <summary>Zero, absurd, or too small dimensions.</summary>
    InvalidDimensions,

    /// <summary>Larger than the configured width, height or pixel limits.</summary>
    TooLarge,

    /// <summary>Far more decoded data than compressed bytes could honestly hold, or the decoder's memory cap was hit.</summary>
    DecompressionBomb,

    /// <summary>Decoding took longer than the configured bound.</summary>
    DecodeTimeout,

    /// <summary>The images do not fit the model (e.g. a dual-energy pair of different sizes, or a single image for a two-channel model).</summary>
    ModelMismatch,
}

/// <summary>A refused image: the class of problem and a sentence that names what is wrong.</summary>
/// <param name="Kind">Class of problem.</param>
/// <param name="Message">What is wrong, said to a technician (file offsets and limits included where known).</param>
public sealed record Rejection(RejectionKind Kind, string Message)
{
    /// <summary>The kind as the snake_case word used in JSON output, e.g. <c>decompression_bomb</c>.</summary>
    public string KindWord => Kind switch
    {
        RejectionKind.FileError => "file_error",
        RejectionKind.NotAnImage => "not_an_image",
        RejectionKind.UnsupportedFormat => "unsupported_format",
        RejectionKind.Truncated => "truncated",
        RejectionKind.Corrupt => "corrupt",
        RejectionKind.Colour => "colour",
        RejectionKind.MultiFrame => "multi_frame",
        RejectionKind.InvalidDimensions => "invalid_dimensions",
        RejectionKind.TooLarge => "too_large",
        RejectionKind.DecompressionBomb => "decompression_bomb",
        RejectionKind.DecodeTimeout => "decode_timeout",
        RejectionKind.ModelMismatch => "model_mismatch",
        _ => "unknown",
    };

    /// <inheritdoc/>
    public override string ToString() => $"{KindWord}: {Message}";
}
