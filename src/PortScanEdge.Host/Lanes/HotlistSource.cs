using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Lanes;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// The technician's hotlist file, reloaded when it changes (checked every <see cref="PollInterval"/>; polling
/// works on every filesystem, including network shares where change notifications are unreliable).
/// A file that cannot be read keeps the last good list and says so in the log.
/// </summary>
public sealed partial class HotlistSource(string? path, TimeProvider time, ILogger logger)
{
    /// <summary>How often the file's modification time and size are checked.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private const long MaxBytes = 8 * 1024 * 1024;
    private Hotlist _current = Hotlist.Empty;
    private (DateTime Modified, long Length) _seen;

    /// <summary>The current hotlist.</summary>
    public Hotlist Current => Volatile.Read(ref _current);

    /// <summary>Loads the file if it changed since the last look.</summary>
    public void Refresh()
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                if (_seen != default)
                {
                    LogMissing(logger, path);
                    _seen = default;
                }

                return;
            }

            var stamp = (info.LastWriteTimeUtc, info.Length);
            if (stamp == _seen)
            {
                return;
            }

            _seen = stamp;
            if (info.Length > MaxBytes)
            {
                LogTooLarge(logger, path, info.Length);
                return;
            }

            var text = File.ReadAllText(path);
            var (hotlist, problems) = Hotlist.Parse(text);
            foreach (var (line, problem) in problems)
            {
                LogProblem(logger, path, line, problem);
            }

            Volatile.Write(ref _current, hotlist);
            LogLoaded(logger, path, hotlist.Count);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(logger, path, ex.Message);
        }
    }

    /// <summary>Polls for changes until cancelled.</summary>
    public async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PollInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            Refresh();
        }
    }

    [LoggerMessage(EventId = 1120, Level = LogLevel.Information, Message = "Hotlist {Path} loaded: {Count} entries")]
    private static partial void LogLoaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 1121, Level = LogLevel.Warning, Message = "Hotlist {Path} line {Line}: {Problem}")]
    private static partial void LogProblem(ILogger logger, string path, int line, string problem);

    [LoggerMessage(EventId = 1122, Level = LogLevel.Error, Message = "Hotlist {Path} cannot be read ({Reason}); keeping the previous list")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1123, Level = LogLevel.Warning, Message = "Hotlist {Path} is missing; keeping the previous list")]
    private static partial void LogMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 1124, Level = LogLevel.Error, Message = "Hotlist {Path} is {Bytes} bytes, over the 8 MiB limit; keeping the previous list")]
    private static partial void LogTooLarge(ILogger logger, string path, long bytes);
}
