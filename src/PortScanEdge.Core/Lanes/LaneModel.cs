using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Core.Lanes;

/// <summary>What a lane is doing.</summary>
public enum LaneState
{
    /// <summary>No vehicle; barrier closed, red.</summary>
    Idle,

    /// <summary>A vehicle arrived; collecting plate reads.</summary>
    Identifying,

    /// <summary>Starting or running the scan.</summary>
    Scanning,

    /// <summary>The radiograph is being analysed.</summary>
    Analysing,

    /// <summary>An operator must decide (referral, or a failed step).</summary>
    AwaitingDecision,

    /// <summary>Barrier open; waiting for the vehicle to clear the exit loop.</summary>
    Releasing,

    /// <summary>Emergency stop pressed: scan aborted, outputs fail-safe.</summary>
    EmergencyStop,

    /// <summary>Closed by the control room: vehicles are not processed.</summary>
    Closed,
}

/// <summary>The lane's physical signals, by meaning.</summary>
/// <param name="BarrierOpen">Barrier open.</param>
/// <param name="Red">Red light lit.</param>
/// <param name="Green">Green light lit.</param>
/// <param name="Beacon">Alert beacon on.</param>
/// <param name="Buzzer">Buzzer sounding.</param>
public readonly record struct LaneSignals(bool BarrierOpen, bool Red, bool Green, bool Beacon, bool Buzzer)
{
    /// <summary>The fail-safe state: barrier closed, red lit, everything else off.</summary>
    public static LaneSignals Safe { get; } = new(false, true, false, false, false);

    /// <summary>An alert waiting for the operator: barrier closed, red, beacon and buzzer.</summary>
    public static LaneSignals Alert { get; } = new(false, true, false, true, true);

    /// <summary>A referral acknowledged by the operator: barrier closed, red, beacon on, buzzer silenced.</summary>
    public static LaneSignals AlertAcknowledged { get; } = new(false, true, false, true, false);
}

/// <summary>Something that happened at the lane (inputs to <see cref="LaneStateMachine"/>).</summary>
/// <param name="At">When it happened.</param>
public abstract record LaneEvent(DateTimeOffset At);

/// <summary>The entry loop changed.</summary>
public sealed record EntryLoopChanged(DateTimeOffset At, bool Occupied) : LaneEvent(At);

/// <summary>The exit loop changed.</summary>
public sealed record ExitLoopChanged(DateTimeOffset At, bool Occupied) : LaneEvent(At);

/// <summary>The emergency stop changed.</summary>
public sealed record EmergencyStopChanged(DateTimeOffset At, bool Pressed) : LaneEvent(At);

/// <summary>The scanner interlock changed (closed = safe to scan).</summary>
public sealed record InterlockChanged(DateTimeOffset At, bool Closed) : LaneEvent(At);

/// <summary>The radiation portal monitor's alarm contact changed.</summary>
public sealed record RadiationAlarmChanged(DateTimeOffset At, bool Alarm) : LaneEvent(At);

/// <summary>A plate reader read something.</summary>
public sealed record PlateReadReceived(DateTimeOffset At, PlateReadRecord Read) : LaneEvent(At);

/// <summary>The scanner accepted the start of the scan for <paramref name="TransactionId"/>.</summary>
public sealed record ScanStartConfirmed(DateTimeOffset At, string TransactionId) : LaneEvent(At);

/// <summary>The scan could not be started (refused, not connected, no answer).</summary>
public sealed record ScanStartFailed(DateTimeOffset At, string TransactionId, string Reason) : LaneEvent(At);

/// <summary>The scanner announced the image and the hand-over checked it.</summary>
/// <param name="At">When.</param>
/// <param name="TransactionId">The scan's transaction.</param>
/// <param name="Scan">The scan as announced.</param>
/// <param name="Verified">True when size and SHA-256 matched the announcement.</param>
/// <param name="Detail">Why verification failed (empty when verified).</param>
public sealed record ScanFinished(DateTimeOffset At, string TransactionId, ScanRecord Scan, bool Verified, string Detail) : LaneEvent(At);

/// <summary>The scanner reported a fault.</summary>
public sealed record ScannerFaultReported(DateTimeOffset At, ushort Code, string Text) : LaneEvent(At);

/// <summary>The analysis of <paramref name="TransactionId"/> finished.</summary>
public sealed record AnalysisFinished(DateTimeOffset At, string TransactionId, AnalysisRecord Analysis) : LaneEvent(At);

/// <summary>The analysis of <paramref name="TransactionId"/> failed (image refused or detector error).</summary>
public sealed record AnalysisFailed(DateTimeOffset At, string TransactionId, string Reason) : LaneEvent(At);

/// <summary>An operator decided about <paramref name="TransactionId"/> (authorisation is checked before this event).</summary>
public sealed record OperatorDecided(DateTimeOffset At, string TransactionId, DecisionRecord Decision) : LaneEvent(At);

/// <summary>The operator acknowledged the alert (silences the buzzer).</summary>
public sealed record AlertAcknowledged(DateTimeOffset At) : LaneEvent(At);

/// <summary>The control room closed or reopened the lane.</summary>
public sealed record LaneClosureRequested(DateTimeOffset At, bool Close, string By) : LaneEvent(At);

/// <summary>The control room asked for the vehicle awaiting a decision to be scanned again.</summary>
/// <param name="At">When.</param>
/// <param name="TransactionId">The record it is meant for; null for whichever vehicle is in the lane.</param>
/// <param name="By">Who asked (the command's sender).</param>
public sealed record RescanRequested(DateTimeOffset At, string? TransactionId, string By) : LaneEvent(At);

/// <summary>Time passed; used to enforce step timeouts.</summary>
public sealed record Tick(DateTimeOffset At) : LaneEvent(At);

/// <summary>The gateway is stopping.</summary>
public sealed record LaneStopping(DateTimeOffset At) : LaneEvent(At);

/// <summary>Something the lane must do (outputs of <see cref="LaneStateMachine"/>), executed in order.</summary>
public abstract record LaneEffect;

/// <summary>Drive the physical signals.</summary>
public sealed record SetSignals(LaneSignals Signals) : LaneEffect;

/// <summary>Arm the scanner and start a scan tagged with the transaction id.</summary>
public sealed record StartScan(string TransactionId) : LaneEffect;

/// <summary>Abort the scan at once (beam off).</summary>
public sealed record AbortScan(string TransactionId, string Why) : LaneEffect;

/// <summary>Analyse the verified scan.</summary>
public sealed record AnalyseScan(string TransactionId, ScanRecord Scan) : LaneEffect;

/// <summary>The open transaction changed (each revision once; the final version comes as <see cref="TransactionClosed"/> instead).</summary>
public sealed record TransactionChanged(VehicleTransaction Transaction) : LaneEffect;

/// <summary>The transaction closed (record, publish, audit).</summary>
public sealed record TransactionClosed(VehicleTransaction Transaction) : LaneEffect;

/// <summary>The machine referred a vehicle or a step failed: raise an alert to operators and the control room.</summary>
public sealed record RaiseAlert(VehicleTransaction Transaction, string Summary) : LaneEffect;

/// <summary>The lane's state changed.</summary>
public sealed record LaneStateChanged(LaneState State, string Detail) : LaneEffect;
