using Microsoft.Extensions.Logging;

namespace PortScanEdge.Integrity;

/// <summary>Source-generated log messages of the integrity services. Event ids 9000-9099 belong to this project.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Created a new audit signing key {KeyPath} (fingerprint {Fingerprint}); give this fingerprint to the control room and reviewers")]
    public static partial void KeyCreated(ILogger logger, string keyPath, string fingerprint);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Audit log {LogPath} had a torn tail of {Bytes} bytes after entry {LastSeq} (a crash mid-write); truncated and recorded as a 'recovered' entry; the removed bytes were kept in {SavedTo}")]
    public static partial void TornTailRecovered(ILogger logger, string logPath, long bytes, long lastSeq, string savedTo);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Audit log {LogPath} open at entry {Seq}; key fingerprint {Fingerprint}")]
    public static partial void AuditOpened(ILogger logger, string logPath, long seq, string fingerprint);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Debug, Message = "Audit checkpoint at entry {Seq} ({Hash}): {Checkpoint}")]
    public static partial void CheckpointLogged(ILogger logger, long seq, string hash, string checkpoint);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "Publishing audit checkpoint at entry {Seq} via {Publisher} failed: {Reason}")]
    public static partial void CheckpointPublishFailed(ILogger logger, long seq, string publisher, string reason);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Error, Message = "Audit checkpoint failed: {Reason}")]
    public static partial void CheckpointFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Error, Message = "Archiving transaction {TransactionId} failed: {Reason}")]
    public static partial void ArchiveFailed(ILogger logger, string transactionId, string reason);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Error, Message = "Writing the audit entry for {What} failed: {Reason}")]
    public static partial void AuditWriteFailed(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Information, Message = "Retention: deleted {Count} transaction(s), {Megabytes:0.0} MB, from the evidence archive ({Reason}); recorded in the audit log")]
    public static partial void Pruned(ILogger logger, int count, double megabytes, string reason);

    [LoggerMessage(EventId = 9009, Level = LogLevel.Error, Message = "Retention: could not delete {What} from the evidence archive: {Reason}")]
    public static partial void PruneFailed(ILogger logger, string what, string reason);
}
