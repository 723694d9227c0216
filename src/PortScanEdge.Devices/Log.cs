using Microsoft.Extensions.Logging;

namespace PortScanEdge.Devices;

/// <summary>Source-generated log messages of the device layer; event ids 3000-3999 belong to this project.</summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "{Device}: connected to {Vendor} {Model} (serial {Serial}, firmware {Firmware}) on {Port}, protocol v{Version}")]
    public static partial void ScannerConnected(ILogger logger, string device, string vendor, string model, string serial, string firmware, string port, int version);

    [LoggerMessage(3002, LogLevel.Warning, "{Device}: link lost ({Reason}); reconnecting in {DelayMilliseconds} ms")]
    public static partial void LinkLost(ILogger logger, string device, string reason, long delayMilliseconds);

    [LoggerMessage(3003, LogLevel.Warning, "{Device}: cannot open {Port}: {Reason}; retrying in {DelayMilliseconds} ms")]
    public static partial void OpenFailed(ILogger logger, string device, string port, string reason, long delayMilliseconds);

    [LoggerMessage(3004, LogLevel.Error, "{Device}: faulted: {Reason}")]
    public static partial void DeviceFaulted(ILogger logger, string device, string reason);

    [LoggerMessage(3005, LogLevel.Warning, "{Device}: {Count} bad inputs in the last interval ({Detail}); logging of bad input is rate-limited")]
    public static partial void BadInput(ILogger logger, string device, long count, string detail);

    [LoggerMessage(3006, LogLevel.Error, "ALERT {Device}: image_integrity_failed for transaction {TransactionId}: {Reason}")]
    public static partial void ImageIntegrityFailed(ILogger logger, string device, string transactionId, string reason);

    [LoggerMessage(3007, LogLevel.Information, "{Device}: transaction {TransactionId}: {Count} image(s) verified (size and SHA-256)")]
    public static partial void ImagesVerified(ILogger logger, string device, string transactionId, int count);

    [LoggerMessage(3008, LogLevel.Warning, "{Device}: command {Command} rejected: {Reason} {Text}")]
    public static partial void CommandRejected(ILogger logger, string device, string command, string reason, string text);

    [LoggerMessage(3009, LogLevel.Information, "{Device}: stopped")]
    public static partial void Stopped(ILogger logger, string device);

    [LoggerMessage(3020, LogLevel.Information, "{Device}: plate {Plate} ({Confidence:0.0} %) from {Position} reader{ContainerNote}")]
    public static partial void PlateRead(ILogger logger, string device, string plate, double confidence, string position, string containerNote);

    [LoggerMessage(3040, LogLevel.Information, "{Device}: lane I/O on gpiochip{Chip} with the {Driver} driver; outputs set to their fail-safe states")]
    public static partial void LaneIoStarted(ILogger logger, string device, int chip, string driver);

    [LoggerMessage(3041, LogLevel.Information, "{Device}: input {Input} is now {State}")]
    public static partial void InputChanged(ILogger logger, string device, string input, string state);

    [LoggerMessage(3042, LogLevel.Warning, "{Device}: outputs forced to fail-safe states ({Why})")]
    public static partial void FailSafe(ILogger logger, string device, string why);
}

/// <summary>
/// Lets one warning through per interval and counts the rest (hostile input must not flood the journal).
/// </summary>
internal sealed class RateLimitedCounter(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private long _suppressed;
    private long _lastEmit = long.MinValue;

    /// <summary>Counts one event; returns the number to report when a report is due now, else 0.</summary>
    public long Hit()
    {
        lock (_gate)
        {
            _suppressed++;
            long now = time.GetTimestamp();
            if (_lastEmit != long.MinValue && time.GetElapsedTime(_lastEmit, now) < interval)
            {
                return 0;
            }

            _lastEmit = now;
            long count = _suppressed;
            _suppressed = 0;
            return count;
        }
    }
}
