using Microsoft.Extensions.Logging;

namespace PortScanEdge.Detection;

/// <summary>Source-generated log messages of the detection pipeline (event ids 4000–4099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Model {Name} {Version} loaded from {Path} (sha256 {Sha256}); {Channels} channels, tiles {TileWidth}x{TileHeight}, overlap {Overlap}, downsample {Downsample}, transform {Transform}")]
    public static partial void ModelLoaded(ILogger logger, string name, string version, string path, string sha256, int channels, int tileWidth, int tileHeight, int overlap, int downsample, string transform);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Two-band model: band network {Path} (downsample {Downsample}) answers for the rows from {From:P2} of the scan height down")]
    public static partial void BandLoaded(ILogger logger, string path, int downsample, double from);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Warm-up: {Runs} inference runs at batch {Batch} took {Milliseconds:F1} ms")]
    public static partial void WarmedUp(ILogger logger, int runs, int batch, double milliseconds);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Radiograph {Name} refused: {Kind}: {Reason}")]
    public static partial void Refused(ILogger logger, string name, string kind, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Radiograph {Name}: score {Score:0.#########} {Verdict}, {Regions} regions, {Tiles} tiles, {Milliseconds:F1} ms")]
    public static partial void Analysed(ILogger logger, string name, double score, Verdict verdict, int regions, int tiles, double milliseconds);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Image threshold changed from {Old:F3} to {New:F3}")]
    public static partial void ThresholdChanged(ILogger logger, double old, double @new);
}
