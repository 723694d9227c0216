using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Core.Lanes;

/// <summary>
/// The rules of one lane, as a pure state machine: it takes <see cref="LaneEvent"/>s and returns the
/// <see cref="LaneEffect"/>s to carry out, in order. No I/O and no clock of its own (time arrives with each
/// event; <see cref="Tick"/> enforces timeouts), so every path is testable with plain values.
/// Not thread-safe: one lane service feeds it from one loop.
/// </summary>
/// <remarks>
/// Safety invariants, enforced in <see cref="Signals"/> whatever the state:
/// the barrier is never open while scanning, analysing, awaiting a decision, in emergency stop or closed;
/// the barrier opens only in <see cref="LaneState.Releasing"/>, i.e. after a decision;
/// a scan is only started with the interlock closed and no emergency stop; an emergency stop aborts a scan at once.
/// </remarks>
public sealed class LaneStateMachine
{
    private readonly LaneContext _context;
    private readonly Func<Hotlist> _hotlist;
    private readonly List<LaneEffect> _effects = [];
    private DateTimeOffset _deadline = DateTimeOffset.MaxValue;
    private bool _scanRequested;
    private bool _scanRunning;
    private bool _exitSeen;
    private bool _closeRequested;
    private bool _acknowledged;
    private LaneState _stateBeforeStop = LaneState.Idle;

    /// <summary>Creates the machine in <see cref="LaneState.Idle"/> with fail-safe signals.</summary>
    /// <param name="context">The lane's facts and policy.</param>
    /// <param name="hotlist">Returns the current hotlist (it may be reloaded between calls).</param>
    /// <param name="interlockClosed">The interlock's state at start.</param>
    /// <param name="emergencyStopPressed">The e-stop's state at start.</param>
    public LaneStateMachine(LaneContext context, Func<Hotlist> hotlist, bool interlockClosed, bool emergencyStopPressed)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _hotlist = hotlist ?? throw new ArgumentNullException(nameof(hotlist));
        InterlockClosed = interlockClosed;
        EmergencyStopPressed = emergencyStopPressed;
        State = emergencyStopPressed ? LaneState.EmergencyStop : LaneState.Idle;
    }

    /// <summary>What the lane is doing.</summary>
    public LaneState State { get; private set; }

    /// <summary>The open transaction, or null when the lane holds no vehicle.</summary>
    public VehicleTransaction? Current { get; private set; }

    /// <summary>True while the scanner interlock is closed (safe to scan).</summary>
    public bool InterlockClosed { get; private set; }

    /// <summary>True while the emergency stop is pressed.</summary>
    public bool EmergencyStopPressed { get; private set; }

    /// <summary>True while the radiation monitor alarms.</summary>
    public bool RadiationAlarm { get; private set; }

    /// <summary>The signals the lane should show now; derived from the state, so the safety invariants cannot be bypassed.</summary>
    public LaneSignals Signals => State switch
    {
        LaneState.Releasing when Current?.Decision?.Action == DecisionAction.Refer => new LaneSignals(true, false, false, true, false),
        LaneState.Releasing => new LaneSignals(true, false, true, false, false),
        LaneState.AwaitingDecision when IsAlert(Current) => _acknowledged ? LaneSignals.AlertAcknowledged : LaneSignals.Alert,
        LaneState.EmergencyStop => LaneSignals.Alert with { Buzzer = false },
        _ => LaneSignals.Safe,
    };

    /// <summary>When the current step times out (<see cref="DateTimeOffset.MaxValue"/> when nothing is pending).</summary>
    public DateTimeOffset Deadline => _deadline;

    /// <summary>Applies one event and returns what to do, in order. The returned list is reused by the next call.</summary>
    public IReadOnlyList<LaneEffect> Handle(LaneEvent laneEvent)
    {
        ArgumentNullException.ThrowIfNull(laneEvent);
        _effects.Clear();
        var signalsBefore = Signals;
        var stateBefore = State;
        Apply(laneEvent);
        if (State != stateBefore)
        {
            _effects.Insert(0, new LaneStateChanged(State, Describe()));
        }

        var signalsAfter = Signals;
        if (signalsAfter != signalsBefore || laneEvent is LaneStopping)
        {
            // Signals go first: an e-stop or a failure must reach the relays before anything slower happens.
            _effects.Insert(0, new SetSignals(laneEvent is LaneStopping ? LaneSignals.Safe : signalsAfter));
        }

        return _effects;
    }

    private void Apply(LaneEvent laneEvent)
    {
        switch (laneEvent)
        {
            case EmergencyStopChanged stop:
                OnEmergencyStop(stop);
                return;
            case InterlockChanged interlock:
                OnInterlock(interlock);
                return;
            case RadiationAlarmChanged radiation:
                RadiationAlarm = radiation.Alarm;
                if (radiation.Alarm && Current is not null && Current.Radiation != RadiationStatus.Alarm)
                {
                    Update(Current with { Radiation = RadiationStatus.Alarm });
                }

                return;
            case LaneClosureRequested closure:
                OnClosure(closure);
                return;
            case LaneStopping stopping:
                if (_scanRunning || _scanRequested)
                {
                    _effects.Add(new AbortScan(Current!.Id, "gateway stopping"));
                }

                if (Current is not null)
                {
                    Close(stopping.At, TransactionOutcome.GatewayStopped, "the gateway stopped with the vehicle in the lane");
                }

                State = LaneState.Closed;
                return;
            case AlertAcknowledged:
                _acknowledged = true;
                return;
        }

        if (State == LaneState.EmergencyStop)
        {
            // Nothing moves during an emergency stop; loops and devices are re-read when it is released.
            return;
        }

        switch (State, laneEvent)
        {
            case (LaneState.Idle, EntryLoopChanged { Occupied: true } entry):
                StartTransaction(entry.At);
                break;
            case (LaneState.Identifying, PlateReadReceived read):
                AddRead(read);
                if (AllReadersHaveRead())
                {
                    BeginScan(read.At);
                }

                break;
            case (LaneState.Identifying, Tick tick) when tick.At >= _deadline:
                BeginScan(tick.At);
                break;
            case (LaneState.Scanning or LaneState.Analysing or LaneState.AwaitingDecision, PlateReadReceived read):
                AddRead(read);
                break;
            case (LaneState.Scanning, ScanStartConfirmed confirmed) when confirmed.TransactionId == Current!.Id:
                _scanRunning = true;
                _deadline = confirmed.At + _context.Control.ScanTimeout;
                Update(Current with { Timestamps = Current.Timestamps with { ScanStartedAt = confirmed.At } });
                break;
            case (LaneState.Scanning, ScanStartFailed failed) when failed.TransactionId == Current!.Id:
                _scanRequested = false;
                Fail(TransactionOutcome.ScannerFault, "the scan could not start: " + failed.Reason);
                break;
            case (LaneState.Scanning, ScanFinished finished) when finished.TransactionId == Current!.Id:
                OnScanFinished(finished);
                break;
            case (LaneState.Scanning, ScannerFaultReported fault):
                AbortIfScanning("scanner fault");
                Fail(TransactionOutcome.ScannerFault, $"scanner fault {fault.Code}: {fault.Text}");
                break;
            case (LaneState.Scanning, Tick tick) when tick.At >= _deadline:
                if (_scanRunning)
                {
                    AbortIfScanning("scan timeout");
                    Fail(TransactionOutcome.ScanTimeout, $"the scan did not complete within {_context.Control.ScanTimeout.TotalSeconds:0.#} s");
                }
                else if (!InterlockClosed)
                {
                    AbortIfScanning("interlock open");
                    Fail(TransactionOutcome.InterlockOpen, "the scanner interlock stayed open; the scan was not started");
                }
                else
                {
                    AbortIfScanning("scan start timeout");
                    Fail(TransactionOutcome.ScanTimeout, $"the scanner did not start the scan within {_context.Control.ScanStartTimeout.TotalSeconds:0.#} s");
                }

                break;
            case (LaneState.Analysing, AnalysisFinished analysed) when analysed.TransactionId == Current!.Id:
                OnAnalysed(analysed);
                break;
            case (LaneState.Analysing, AnalysisFailed failed) when failed.TransactionId == Current!.Id:
                Fail(TransactionOutcome.AnalysisFailed, "analysis failed: " + failed.Reason);
                break;
            case (LaneState.Analysing, Tick tick) when tick.At >= _deadline:
                Fail(TransactionOutcome.AnalysisFailed, $"analysis did not finish within {_context.Control.AnalysisTimeout.TotalSeconds:0.#} s");
                break;
            case (LaneState.AwaitingDecision, OperatorDecided decided) when decided.TransactionId == Current!.Id:
                Decide(decided.Decision);
                break;
            case (LaneState.AwaitingDecision, RescanRequested rescan) when RescanRefusal(State, Current, rescan.TransactionId, _context.Control) is null:
                Rescan(rescan);
                break;
            case (LaneState.Releasing, ExitLoopChanged { Occupied: true }):
                _exitSeen = true;
                break;
            case (LaneState.Releasing, ExitLoopChanged { Occupied: false } exit) when _exitSeen:
                CloseDecided(exit.At);
                break;
            case (LaneState.Releasing, Tick tick) when tick.At >= _deadline:
                if (_context.HasExitLoop)
                {
                    Close(tick.At, TransactionOutcome.ExitTimeout, $"the vehicle did not clear the exit loop within {_context.Control.ExitTimeout.TotalSeconds:0.#} s");
                }
                else
                {
                    CloseDecided(tick.At);
                }

                break;
        }
    }

    /// <summary>
    /// Why a re-scan of <paramref name="requestedId"/> (null: whichever vehicle is in the lane) cannot be done now,
    /// or null when it can. One rule for the lane and for the command that asks (which sees a snapshot).
    /// </summary>
    public static string? RescanRefusal(LaneState state, VehicleTransaction? current, string? requestedId, LaneControlOptions control)
    {
        ArgumentNullException.ThrowIfNull(control);
        if (current is null)
        {
            return "no vehicle in the lane";
        }

        if (requestedId is not null && requestedId != current.Id)
        {
            return $"transaction {requestedId} is not the vehicle in the lane (that is {current.Id})";
        }

        if (state != LaneState.AwaitingDecision)
        {
            return $"vehicle {current.Id} is {ConfigNaming.ToSnakeCase(state.ToString())}; a re-scan can be asked for only while it awaits a decision";
        }

        return current.ScanAttempt > control.MaxRescans
            ? $"vehicle {current.Id} has been scanned {current.ScanAttempt} time(s); lane_control.max_rescans allows {control.MaxRescans} re-scan(s)"
            : null;
    }

    /// <summary>
    /// Closes the record awaiting a decision as <see cref="TransactionOutcome.RescanRequested"/> (so everything it
    /// holds is recorded, published and audited as it is) and opens the next one for the same vehicle, still in
    /// the lane behind the closed barrier: same plate reads and radiation status, linked by
    /// <see cref="VehicleTransaction.RescanOf"/>, straight to scanning; its result always goes to an operator.
    /// </summary>
    private void Rescan(RescanRequested rescan)
    {
        var previous = Current!;
        Close(rescan.At, TransactionOutcome.RescanRequested, $"re-scan requested by {rescan.By}");
        Current = previous with
        {
            Id = Ulid.New(rescan.At),
            Revision = 1,
            Stage = TransactionStage.Scanning,
            Timestamps = new TransactionTimestamps { ArrivedAt = rescan.At, IdentifiedAt = rescan.At },
            Scan = null,
            Analysis = null,
            Hotlist = null,
            ReferralReasons = [],
            Decision = null,
            Outcome = null,
            Failure = null,
            OutcomeDetail = string.Empty,
            // An alarm raised while the vehicle passed stays with it: the monitor may be quiet now it stands still.
            Radiation = previous.Radiation == RadiationStatus.Alarm || RadiationAlarm ? RadiationStatus.Alarm : previous.Radiation,
            ScanAttempt = previous.ScanAttempt + 1,
            RescanOf = previous.Id,
        };
        _exitSeen = false;
        _acknowledged = false;
        State = LaneState.Scanning;
        _deadline = rescan.At + _context.Control.ScanStartTimeout;
        _effects.Add(new TransactionChanged(Current));
        RequestScanIfSafe();
    }

    private void StartTransaction(DateTimeOffset at)
    {
        _scanRequested = false;
        _scanRunning = false;
        _exitSeen = false;
        _acknowledged = false;
        Current = new VehicleTransaction
        {
            Id = Ulid.New(at),
            SiteId = _context.SiteId,
            GatewayId = _context.GatewayId,
            LaneId = _context.LaneId,
            Direction = _context.Direction,
            Revision = 1,
            Stage = TransactionStage.Identifying,
            Timestamps = new TransactionTimestamps { ArrivedAt = at },
            Radiation = !_context.HasRadiationMonitor ? RadiationStatus.Unknown : RadiationAlarm ? RadiationStatus.Alarm : RadiationStatus.Clear,
        };
        State = LaneState.Identifying;
        _deadline = at + _context.Control.IdentifyTimeout;
        _effects.Add(new TransactionChanged(Current));
    }

    private void AddRead(PlateReadReceived read)
    {
        Update(Current! with { PlateReads = [.. Current!.PlateReads, read.Read] });
    }

    private bool AllReadersHaveRead()
    {
        foreach (var reader in _context.PlateReaderIds)
        {
            var seen = false;
            foreach (var read in Current!.PlateReads)
            {
                if (read.ReaderId == reader)
                {
                    seen = true;
                    break;
                }
            }

            if (!seen)
            {
                return false;
            }
        }

        return _context.PlateReaderIds.Count > 0;
    }

    private void BeginScan(DateTimeOffset at)
    {
        State = LaneState.Scanning;
        _deadline = at + _context.Control.ScanStartTimeout;
        Update(Current! with
        {
            Stage = TransactionStage.Scanning,
            Timestamps = Current.Timestamps with { IdentifiedAt = at },
        });
        RequestScanIfSafe();
    }

    private void RequestScanIfSafe()
    {
        if (State == LaneState.Scanning && !_scanRequested && InterlockClosed && !EmergencyStopPressed)
        {
            _scanRequested = true;
            _effects.Add(new StartScan(Current!.Id));
        }
    }

    private void OnScanFinished(ScanFinished finished)
    {
        _scanRunning = false;
        _scanRequested = false;
        var updated = Current! with
        {
            Scan = finished.Scan,
            Timestamps = Current.Timestamps with { ScanCompletedAt = finished.At },
        };
        if (!finished.Verified)
        {
            Update(updated);
            Fail(TransactionOutcome.ImageIntegrityFailed, "image integrity check failed: " + finished.Detail);
            return;
        }

        State = LaneState.Analysing;
        _deadline = finished.At + _context.Control.AnalysisTimeout;
        Update(updated with { Stage = TransactionStage.Analysing });
        _effects.Add(new AnalyseScan(Current!.Id, finished.Scan));
    }

    private void OnAnalysed(AnalysisFinished analysed)
    {
        var transaction = Current! with
        {
            Analysis = analysed.Analysis,
            Timestamps = Current.Timestamps with { AnalysedAt = analysed.At },
        };
        var hit = _hotlist().Match(transaction.PlateReads);
        var reasons = new List<ReferralReason>();
        if (analysed.Analysis.Verdict == Verdict.Alert)
        {
            reasons.Add(ReferralReason.AnomalyAlert);
        }

        if (transaction.Radiation == RadiationStatus.Alarm)
        {
            reasons.Add(ReferralReason.RadiationAlarm);
        }

        if (hit is not null)
        {
            reasons.Add(ReferralReason.HotlistHit);
        }

        if (transaction.PlateReads.Count == 0)
        {
            reasons.Add(ReferralReason.NoPlateRead);
        }

        if (transaction.RescanOf is not null)
        {
            // A re-scan never clears a vehicle by itself: otherwise asking for scans until one comes out clear
            // would release it with nobody deciding.
            reasons.Add(ReferralReason.Rescanned);
        }

        transaction = transaction with { Hotlist = hit, ReferralReasons = reasons };
        if (reasons.Count == 0 && _context.Control.AutoReleaseClear)
        {
            Current = transaction;
            Decide(new DecisionRecord(DecisionAction.Release, "policy", analysed.At, "machine clear", IsOverride: false, Supervisor: null));
            return;
        }

        if (reasons.Count == 0)
        {
            transaction = transaction with { ReferralReasons = [ReferralReason.PolicyAlwaysAsk] };
        }

        AwaitDecision(transaction);
    }

    private void Fail(TransactionOutcome failure, string detail) => AwaitDecision(Failed(Current!, failure, detail));

    /// <summary>The transaction marked as failed by <paramref name="failure"/>, so it needs an operator (StepFailed, once).</summary>
    private static VehicleTransaction Failed(VehicleTransaction transaction, TransactionOutcome failure, string detail) => transaction with
    {
        Failure = failure,
        OutcomeDetail = detail,
        ReferralReasons = transaction.ReferralReasons.Contains(ReferralReason.StepFailed) ? transaction.ReferralReasons : [.. transaction.ReferralReasons, ReferralReason.StepFailed],
    };

    private void AwaitDecision(VehicleTransaction transaction)
    {
        State = LaneState.AwaitingDecision;
        _deadline = DateTimeOffset.MaxValue;
        _acknowledged = false;
        Update(transaction with { Stage = TransactionStage.AwaitingDecision });
        _effects.Add(new RaiseAlert(Current!, AlertSummary(Current!)));
    }

    private void Decide(DecisionRecord decision)
    {
        var at = decision.At;
        State = LaneState.Releasing;
        _deadline = at + _context.Control.ExitTimeout;
        _exitSeen = false;
        Update(Current! with
        {
            Decision = decision,
            Stage = TransactionStage.Releasing,
            Timestamps = Current.Timestamps with { DecidedAt = at, ReleasedAt = at },
        });
    }

    private void CloseDecided(DateTimeOffset at)
    {
        var outcome = Current!.Failure ?? (Current.Decision!.Action == DecisionAction.Release ? TransactionOutcome.Released : TransactionOutcome.Referred);
        Close(at, outcome, Current.OutcomeDetail);
    }

    private void Close(DateTimeOffset at, TransactionOutcome outcome, string detail)
    {
        var closed = Current! with
        {
            Revision = Current.Revision + 1,
            Stage = TransactionStage.Closed,
            Outcome = outcome,
            OutcomeDetail = detail,
            Timestamps = Current.Timestamps with { ClosedAt = at },
        };
        Current = null;
        _deadline = DateTimeOffset.MaxValue;
        _scanRequested = false;
        _scanRunning = false;
        State = _closeRequested ? LaneState.Closed : LaneState.Idle;
        _effects.Add(new TransactionClosed(closed));
    }

    private void OnEmergencyStop(EmergencyStopChanged stop)
    {
        EmergencyStopPressed = stop.Pressed;
        if (stop.Pressed)
        {
            if (State == LaneState.EmergencyStop)
            {
                return;
            }

            _stateBeforeStop = State;
            AbortIfScanning("emergency stop");
            State = LaneState.EmergencyStop;
            if (Current is not null)
            {
                Update(Failed(Current, TransactionOutcome.EmergencyStop, "emergency stop pressed"));
                _effects.Add(new RaiseAlert(Current, "Emergency stop pressed"));
            }

            return;
        }

        if (State != LaneState.EmergencyStop)
        {
            return;
        }

        // After the stop a vehicle in the lane always needs an operator: whatever it was doing was interrupted.
        if (Current is not null)
        {
            AwaitDecision(Current);
        }
        else
        {
            State = _closeRequested || _stateBeforeStop == LaneState.Closed ? LaneState.Closed : LaneState.Idle;
        }
    }

    private void OnInterlock(InterlockChanged interlock)
    {
        InterlockClosed = interlock.Closed;
        if (!interlock.Closed && State == LaneState.Scanning && (_scanRunning || _scanRequested))
        {
            AbortIfScanning("interlock opened");
            Fail(TransactionOutcome.InterlockOpen, "the scanner interlock opened during the scan");
            return;
        }

        RequestScanIfSafe();
    }

    private void OnClosure(LaneClosureRequested closure)
    {
        if (closure.Close)
        {
            _closeRequested = true;
            if (State == LaneState.Idle)
            {
                State = LaneState.Closed;
            }

            return;
        }

        _closeRequested = false;
        if (State == LaneState.Closed)
        {
            State = EmergencyStopPressed ? LaneState.EmergencyStop : LaneState.Idle;
        }
    }

    private void AbortIfScanning(string why)
    {
        if (Current is not null && (_scanRunning || _scanRequested))
        {
            _effects.Add(new AbortScan(Current.Id, why));
        }

        _scanRunning = false;
        _scanRequested = false;
    }

    private void Update(VehicleTransaction transaction)
    {
        Current = transaction with { Revision = transaction.Revision + 1 };
        _effects.Add(new TransactionChanged(Current));
    }

    private string Describe() => State switch
    {
        LaneState.Closed when _closeRequested => "closed by the control room",
        LaneState.Closed => "closed",
        LaneState.EmergencyStop => "emergency stop pressed",
        LaneState.AwaitingDecision => Current is null ? "awaiting decision" : AlertSummary(Current),
        _ => Current is null ? string.Empty : $"vehicle {Current.Id}",
    };

    private static bool IsAlert(VehicleTransaction? transaction)
    {
        if (transaction is null)
        {
            return false;
        }

        foreach (var reason in transaction.ReferralReasons)
        {
            if (reason != ReferralReason.PolicyAlwaysAsk)
            {
                return true;
            }
        }

        return false;
    }

    private static string AlertSummary(VehicleTransaction transaction)
    {
        var parts = new List<string>();
        foreach (var reason in transaction.ReferralReasons)
        {
            parts.Add(reason switch
            {
                ReferralReason.AnomalyAlert => transaction.Analysis is { } analysis ? "anomaly score " + ScoreAgainstThreshold(analysis.Score, analysis.Threshold) : "anomaly score",
                ReferralReason.RadiationAlarm => "radiation alarm",
                ReferralReason.HotlistHit => $"hotlist hit {transaction.Hotlist?.Entry}",
                ReferralReason.NoPlateRead => "no plate read",
                ReferralReason.PolicyAlwaysAsk => "operator decision required by site policy",
                _ => transaction.OutcomeDetail,
            });
        }

        return string.Join("; ", parts);
    }

    /// <summary>
    /// "score ≥ threshold" with as many decimals (2 to 9) as it takes to tell the two apart: a confident model's
    /// scores crowd just below 1, where two decimals read "1.00 ≥ 1.00".
    /// </summary>
    internal static string ScoreAgainstThreshold(double score, double threshold)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        int digits = 2;
        while (digits < 9 && score.ToString("F" + digits, c) == threshold.ToString("F" + digits, c))
        {
            digits++;
        }

        return score.ToString("F" + digits, c) + " ≥ " + threshold.ToString("F" + digits, c);
    }
}
