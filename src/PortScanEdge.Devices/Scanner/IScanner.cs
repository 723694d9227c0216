using System.Threading.Channels;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.Scanner.Protocol;

namespace PortScanEdge.Devices.Scanner;

/// <summary>
/// An imaging scanner, as the lane uses it (capability interface; the serial driver and any vendor adapter
/// implement it). Commands return result objects: an expected refusal or an absent device is not an exception.
/// </summary>
public interface IScanner : IDeviceHealthSource
{
    /// <summary>The last known state of the scanner (updated from its events).</summary>
    ScannerSnapshot Snapshot { get; }

    /// <summary>
    /// Everything the scanner reports, in arrival order, except that <see cref="ScanCompleted"/> is published when its
    /// image hand-over has finished (up to <c>image_wait_timeout</c> later), so a FAULT or INTERLOCK that followed
    /// SCAN_COMPLETE is never held back by a slow share. One consumer (the lane); unbounded because the scanner's own
    /// stop-and-wait link limits the rate, and a scan event is never dropped.
    /// </summary>
    ChannelReader<ScannerEvent> Events { get; }

    /// <summary>Asks for STATUS; the snapshot in the result is fresh.</summary>
    Task<ScannerCommandResult> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Arms the scanner (IDLE → READY). Refused with the interlock open or while faulted.</summary>
    Task<ScannerCommandResult> ArmAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a scan tagged with our transaction id (1-64 of A-Z a-z 0-9 - _). Accepted when the scanner reports
    /// SCANNING; the images follow as <see cref="ScanCompleted"/>.
    /// </summary>
    Task<ScannerCommandResult> StartScanAsync(string transactionId, CancellationToken cancellationToken = default);

    /// <summary>Aborts a running or armed scan; the beam goes off first.</summary>
    Task<ScannerCommandResult> AbortAsync(string? transactionId = null, CancellationToken cancellationToken = default);

    /// <summary>Clears a fault once its cause is gone.</summary>
    Task<ScannerCommandResult> ResetFaultAsync(CancellationToken cancellationToken = default);
}

/// <summary>How a command ended.</summary>
public enum ScannerCommandOutcome
{
    /// <summary>The scanner did it.</summary>
    Accepted,

    /// <summary>The scanner refused (see <see cref="ScannerCommandResult.RejectReason"/>).</summary>
    Rejected,

    /// <summary>The scanner is not connected (see the health reason).</summary>
    NotConnected,

    /// <summary>The scanner acknowledged the command but did not answer in time.</summary>
    TimedOut,
}

/// <summary>The result of a scanner command.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="RejectReason">Why the scanner refused, when it did.</param>
/// <param name="Message">Words for the log and the operator.</param>
/// <param name="Snapshot">The scanner's state after the command.</param>
public sealed record ScannerCommandResult(ScannerCommandOutcome Outcome, RejectReason? RejectReason, string Message, ScannerSnapshot Snapshot)
{
    /// <summary>True when accepted.</summary>
    public bool IsAccepted => Outcome == ScannerCommandOutcome.Accepted;
}

/// <summary>What the gateway knows about a scanner.</summary>
/// <param name="State">The scanner's state.</param>
/// <param name="InterlockClosed">True when the interlock is closed (safe to scan).</param>
/// <param name="XrayOn">True while the beam is on.</param>
/// <param name="FaultCode">The active fault, 0 when none.</param>
/// <param name="FaultText">The scanner's words for the fault.</param>
/// <param name="TransactionId">The transaction the scanner is working on, or empty.</param>
/// <param name="Identity">Vendor, model, serial and firmware from WELCOME, or null before the first handshake.</param>
public sealed record ScannerSnapshot(
    ScannerState State,
    bool InterlockClosed,
    bool XrayOn,
    ushort FaultCode,
    string FaultText,
    string TransactionId,
    WelcomeMessage? Identity)
{
    /// <summary>Before anything is known.</summary>
    public static ScannerSnapshot Unknown { get; } = new(ScannerState.Idle, false, false, 0, string.Empty, string.Empty, null);
}

/// <summary>Something the scanner reported.</summary>
/// <param name="ScannerId">The device id.</param>
/// <param name="At">When the gateway received it.</param>
public abstract record ScannerEvent(string ScannerId, DateTimeOffset At);

/// <summary>STATUS arrived.</summary>
public sealed record ScannerStatusReported(string ScannerId, DateTimeOffset At, ScannerSnapshot Snapshot) : ScannerEvent(ScannerId, At);

/// <summary>READY: armed.</summary>
public sealed record ScannerReady(string ScannerId, DateTimeOffset At) : ScannerEvent(ScannerId, At);

/// <summary>SCANNING: a scan started for <paramref name="TransactionId"/>.</summary>
public sealed record ScanStarted(string ScannerId, DateTimeOffset At, string TransactionId) : ScannerEvent(ScannerId, At);

/// <summary>
/// A scan finished and its images went through the hand-over. When <see cref="ImageHandoverResult.IsVerified"/> is
/// false the transaction must be marked <c>image_integrity_failed</c> (an alert was already logged).
/// </summary>
public sealed record ScanCompleted(string ScannerId, DateTimeOffset At, string TransactionId, IReadOnlyList<AnnouncedImage> Announced, ImageHandoverResult Handover) : ScannerEvent(ScannerId, At);

/// <summary>FAULT.</summary>
public sealed record ScannerFaulted(string ScannerId, DateTimeOffset At, ushort Code, string Text) : ScannerEvent(ScannerId, At);

/// <summary>INTERLOCK.</summary>
public sealed record InterlockChanged(string ScannerId, DateTimeOffset At, bool Closed) : ScannerEvent(ScannerId, At);

/// <summary>XRAY.</summary>
public sealed record XrayChanged(string ScannerId, DateTimeOffset At, bool On) : ScannerEvent(ScannerId, At);
