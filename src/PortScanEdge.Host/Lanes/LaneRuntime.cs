using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Detection;
using PortScanEdge.Devices.Gpio;
using PortScanEdge.Devices.PlateReaders;
using PortScanEdge.Devices.Scanner;
using CoreInterlockChanged = PortScanEdge.Core.Lanes.InterlockChanged;
using DeviceInterlockChanged = PortScanEdge.Devices.Scanner.InterlockChanged;

namespace PortScanEdge.Host.Lanes;

/// <summary>
/// Runs one lane: turns device events into <see cref="LaneEvent"/>s, feeds them one at a time to the lane's
/// <see cref="LaneStateMachine"/>, and carries out its effects (signals, scanner commands, analysis hand-off,
/// notifications). Everything the machine sees passes through one inbox, so vehicles are strictly in order and
/// the machine needs no locks. Slow work (scanner round trips, analysis) runs off the loop and reports back
/// through the inbox, so an e-stop is handled while a scan or an analysis is in flight.
/// </summary>
public sealed partial class LaneRuntime
{
    /// <summary>How often time-outs are checked.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    // Written by the event loop after each event, read by the tick loop: whether the machine has a timeout pending.
    private volatile bool _deadlinePending;

    private readonly LaneContext _context;
    private readonly IScanner _scanner;
    private readonly IReadOnlyList<IPlateReader> _readers;
    private readonly ILaneIo _io;
    private readonly SharedDetector _detection;
    private readonly LaneHub _hub;
    private readonly string _overlayDirectory;
    private readonly OverlayPainter _overlayPainter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<LaneEvent> _inbox = Channel.CreateUnbounded<LaneEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, ScanCompleted> _scans = new(StringComparer.Ordinal);
    private readonly HashSet<string> _measured = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _overlays = new(StringComparer.Ordinal);
    private readonly LaneStateMachine _machine;
    private readonly bool _gpioInterlock;

    /// <summary>Creates the runtime; <see cref="RunAsync"/> starts it.</summary>
    public LaneRuntime(
        LaneContext context,
        IScanner scanner,
        IReadOnlyList<IPlateReader> readers,
        ILaneIo io,
        SharedDetector detection,
        LaneHub hub,
        Func<Hotlist> hotlist,
        string overlayDirectory,
        OverlayPainter overlayPainter,
        TimeProvider time,
        ILogger logger)
    {
        _overlayPainter = overlayPainter;
        _context = context;
        _scanner = scanner;
        _readers = readers;
        _io = io;
        _detection = detection;
        _hub = hub;
        _overlayDirectory = overlayDirectory;
        _time = time;
        _logger = logger;
        _gpioInterlock = io.Has(LaneInput.Interlock);
        var interlockClosed = _gpioInterlock ? io.IsActive(LaneInput.Interlock) : scanner.Snapshot.InterlockClosed;
        _machine = new LaneStateMachine(context, hotlist, interlockClosed, io.IsActive(LaneInput.Estop));
        Statistics = new LaneStatistics();
    }

    /// <summary>The lane id.</summary>
    public string LaneId => _context.LaneId;

    /// <summary>The lane's control settings (timeouts, policy, re-scan limit).</summary>
    public Core.Configuration.LaneControlOptions Control => _context.Control;

    /// <summary>Counters and latencies for the terminal summary and benchmarks.</summary>
    public LaneStatistics Statistics { get; }

    /// <summary>Scans waiting for the shared detector, which all lanes share (for the queue-depth metric).</summary>
    public int DetectorQueueDepth => _detection.Depth;

    /// <summary>Posts an event from outside (operator console, control-room command, simulation).</summary>
    public bool Post(LaneEvent laneEvent) => _inbox.Writer.TryWrite(laneEvent);

    /// <summary>Runs until cancelled, then puts the lane in its safe state.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Execute(new SetSignals(_machine.Signals));
        _hub.Publish(new LaneStateNotification(LaneId, _time.GetUtcNow(), _machine.State, string.Empty, _machine.Signals));
        using var pumps = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>
        {
            PumpScannerAsync(pumps.Token),
            PumpInputsAsync(pumps.Token),
            TickAsync(pumps.Token),
        };
        foreach (var reader in _readers)
        {
            tasks.Add(PumpReadsAsync(reader, pumps.Token));
        }

        try
        {
            await foreach (var laneEvent in _inbox.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Apply(laneEvent);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Apply(new LaneStopping(_time.GetUtcNow()));
            await pumps.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _io.FailSafe("gateway stopping");

            // Overlays already being drawn are finished, so the evidence of the last vehicles is complete.
            await Task.WhenAll(_overlays.Values).ConfigureAwait(false);
        }
    }

    private void Apply(LaneEvent laneEvent)
    {
        IReadOnlyList<LaneEffect> effects;
        try
        {
            effects = _machine.Handle(laneEvent);
        }
        catch (Exception ex)
        {
            // A bug in the rules must not leave the barrier open: go safe and keep running.
            LogMachineFailure(_logger, LaneId, laneEvent.GetType().Name, ex);
            _io.FailSafe("lane rules failed");
            return;
        }

        foreach (var effect in effects)
        {
            Execute(effect);
        }

        _deadlinePending = _machine.Deadline != DateTimeOffset.MaxValue;
    }

    private void Execute(LaneEffect effect)
    {
        var now = _time.GetUtcNow();
        switch (effect)
        {
            case SetSignals set:
                ApplySignals(set.Signals);
                break;
            case StartScan start:
                _ = StartScanAsync(start.TransactionId);
                break;
            case AbortScan abort:
                LogAbort(_logger, LaneId, abort.TransactionId, abort.Why);
                _ = _scanner.AbortAsync(abort.TransactionId);
                break;
            case AnalyseScan analyse:
                _ = AnalyseAsync(analyse.TransactionId);
                break;
            case TransactionChanged changed:
                _hub.Publish(new TransactionNotification(LaneId, now, changed.Transaction, Closed: false));
                MeasurePipeline(changed.Transaction, now);
                break;
            case TransactionClosed closed:
                Statistics.Closed(closed.Transaction);
                _scans.TryRemove(closed.Transaction.Id, out _);
                _measured.Remove(closed.Transaction.Id);
                _hub.Publish(new TransactionNotification(LaneId, now, closed.Transaction, Closed: true));
                LogClosed(_logger, LaneId, closed.Transaction.Id, closed.Transaction.Outcome, closed.Transaction.Analysis?.Score);
                break;
            case RaiseAlert alert:
                Statistics.Alert();
                LogAlert(_logger, LaneId, alert.Transaction.Id, alert.Summary);
                _hub.Publish(new AlertNotification(LaneId, now, alert.Transaction, alert.Summary));
                break;
            case LaneStateChanged state:
                _hub.Publish(new LaneStateNotification(LaneId, now, state.State, state.Detail, _machine.Signals));
                break;
        }
    }

    /// <summary>The first version of a record that carries the analysis ends the gateway's work on the scan.</summary>
    private void MeasurePipeline(VehicleTransaction transaction, DateTimeOffset now)
    {
        if (transaction.Analysis is null || !_scans.TryGetValue(transaction.Id, out var scan) || !_measured.Add(transaction.Id))
        {
            return;
        }

        Statistics.Pipeline(
            (now - scan.At).TotalMilliseconds,
            transaction.Analysis.TimingsMilliseconds.GetValueOrDefault("infer"),
            transaction.Analysis.TimingsMilliseconds.GetValueOrDefault("decode"));
    }

    private void ApplySignals(LaneSignals signals)
    {
        try
        {
            // Closing: barrier first, then lights. Opening: lights first, barrier last.
            if (!signals.BarrierOpen)
            {
                _io.SetOutput(LaneOutput.Barrier, false);
            }

            _io.SetOutput(LaneOutput.LightRed, signals.Red);
            _io.SetOutput(LaneOutput.LightGreen, signals.Green);
            _io.SetOutput(LaneOutput.Beacon, signals.Beacon);
            _io.SetOutput(LaneOutput.Buzzer, signals.Buzzer);
            if (signals.BarrierOpen)
            {
                _io.SetOutput(LaneOutput.Barrier, true);
            }
        }
        catch (LaneIoException ex)
        {
            LogSignalFailure(_logger, LaneId, ex.Message);
            _io.FailSafe("output failure");
        }
    }

    private async Task StartScanAsync(string transactionId)
    {
        try
        {
            var arm = await _scanner.ArmAsync().ConfigureAwait(false);
            if (!arm.IsAccepted && arm.Snapshot.State != Devices.Scanner.Protocol.ScannerState.Ready)
            {
                Post(new ScanStartFailed(_time.GetUtcNow(), transactionId, arm.Message));
                return;
            }

            var start = await _scanner.StartScanAsync(transactionId).ConfigureAwait(false);
            Post(start.IsAccepted
                ? new ScanStartConfirmed(_time.GetUtcNow(), transactionId)
                : new ScanStartFailed(_time.GetUtcNow(), transactionId, start.Message));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Post(new ScanStartFailed(_time.GetUtcNow(), transactionId, ex.Message));
        }
    }

    private async Task AnalyseAsync(string transactionId)
    {
        if (!_scans.TryGetValue(transactionId, out var scan) || scan.Handover.Images.Count == 0)
        {
            Post(new AnalysisFailed(_time.GetUtcNow(), transactionId, "no verified image to analyse"));
            return;
        }

        var images = scan.Handover.Images;
        var input = images.Count >= 2
            ? RadiographInput.FromDualEnergy(
                images.First(i => i.Announced.Energy == Devices.Scanner.Protocol.EnergyKind.Low).Path,
                images.First(i => i.Announced.Energy == Devices.Scanner.Protocol.EnergyKind.High).Path)
            : RadiographInput.FromFile(images[0].Path);
        Directory.CreateDirectory(_overlayDirectory);
        var overlay = Path.Combine(_overlayDirectory, transactionId + ".png");
        var handedOver = Stopwatch.GetTimestamp();
        // The overlay is for people (console, review bundles), not for the decision: it is drawn after the
        // analysed record is out, so its cost (a colour PNG of the whole radiograph) never delays an alert.
        var job = new DetectionJob(LaneId, transactionId, input, new AnalysisRequest { IncludeHeatMap = true }, (result, error) =>
        {
            var at = _time.GetUtcNow();
            if (error is not null || result is null)
            {
                Post(new AnalysisFailed(at, transactionId, "detector failure: " + (error?.Message ?? "no result")));
                return;
            }

            if (!result.Ok)
            {
                Post(new AnalysisFailed(at, transactionId, result.Rejection!.ToString()));
                return;
            }

            Statistics.Analysed(Stopwatch.GetElapsedTime(handedOver), result.Timings.InferMilliseconds);
            Post(new AnalysisFinished(at, transactionId, ToRecord(result)));
            if (result.HeatMap is { } heatMap && input.Path is { } imagePath)
            {
                _overlays[transactionId] = Task.Run(() =>
                {
                    RenderOverlay(imagePath, heatMap, result.Regions, overlay);
                    _overlays.TryRemove(transactionId, out _);
                });
            }
        });
        try
        {
            await _detection.EnqueueAsync(job, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Post(new AnalysisFailed(_time.GetUtcNow(), transactionId, "the detector is stopping"));
        }
    }

    private void RenderOverlay(string imagePath, HeatMap heatMap, IReadOnlyList<Detection.Processing.RegionOfInterest> regions, string overlayPath)
    {
        if (_overlayPainter.Paint(imagePath, heatMap, regions, overlayPath) is { } failure)
        {
            LogOverlayFailed(_logger, LaneId, overlayPath, failure);
        }
    }

    private static AnalysisRecord ToRecord(DetectionResult result) => new(
        result.Score,
        result.Threshold,
        result.Verdict == Detection.Verdict.Alert ? Core.Transactions.Verdict.Alert : Core.Transactions.Verdict.Clear,
        [.. result.Regions.Select(r => new RegionRecord(r.X, r.Y, r.Width, r.Height, r.PeakScore, r.Area))],
        new Core.Transactions.ModelIdentity(result.Model.Name, result.Model.Version, result.Model.Sha256),
        new Dictionary<string, double>
        {
            ["decode"] = result.Timings.DecodeMilliseconds,
            ["preprocess"] = result.Timings.PreprocessMilliseconds,
            ["infer"] = result.Timings.InferMilliseconds,
            ["postprocess"] = result.Timings.PostprocessMilliseconds,
        });

    private async Task PumpScannerAsync(CancellationToken cancellationToken)
    {
        await foreach (var scannerEvent in _scanner.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (scannerEvent)
            {
                case ScanCompleted completed:
                    _scans[completed.TransactionId] = completed;
                    Statistics.ScanCompleted();
                    Post(new ScanFinished(completed.At, completed.TransactionId, ToRecord(completed), completed.Handover.IsVerified, completed.Handover.Reason));
                    break;
                case ScannerFaulted fault:
                    Post(new ScannerFaultReported(fault.At, fault.Code, fault.Text));
                    break;
                case DeviceInterlockChanged interlock when !_gpioInterlock:
                    Post(new CoreInterlockChanged(interlock.At, interlock.Closed));
                    break;
                case ScannerStatusReported status when !_gpioInterlock && status.Snapshot.InterlockClosed != _machine.InterlockClosed:
                    Post(new CoreInterlockChanged(status.At, status.Snapshot.InterlockClosed));
                    break;
            }
        }
    }

    private ScanRecord ToRecord(ScanCompleted completed)
    {
        var images = completed.Announced.Select(a => new ScanImageRecord(
            a.FileName,
            a.Sha256Hex,
            a.SizeBytes,
            a.Width,
            a.Height,
            a.BitDepth,
            a.Energy switch
            {
                Devices.Scanner.Protocol.EnergyKind.Low => "low",
                Devices.Scanner.Protocol.EnergyKind.High => "high",
                _ => "single",
            })).ToList();
        return new ScanRecord(_scanner.DeviceId, images.Count >= 2 ? "dual" : "single", images);
    }

    private async Task PumpInputsAsync(CancellationToken cancellationToken)
    {
        await foreach (var change in _io.InputChanges.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            LaneEvent? laneEvent = change.Input switch
            {
                LaneInput.EntryLoop => new EntryLoopChanged(change.At, change.Active),
                LaneInput.ExitLoop => new ExitLoopChanged(change.At, change.Active),
                LaneInput.Estop => new EmergencyStopChanged(change.At, change.Active),
                LaneInput.Interlock => new CoreInterlockChanged(change.At, change.Active),
                LaneInput.RadiationAlarm => new RadiationAlarmChanged(change.At, change.Active),
                _ => null,
            };
            if (laneEvent is not null)
            {
                Post(laneEvent);
            }
        }
    }

    private async Task PumpReadsAsync(IPlateReader reader, CancellationToken cancellationToken)
    {
        await foreach (var read in reader.Reads.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var record = new PlateReadRecord(
                read.ReaderId,
                read.Position,
                read.At,
                [.. read.Candidates.Select(c => new PlateCandidateRecord(c.Text, c.Confidence / 100.0, c.Container is not null, c.Container?.CheckDigitValid))]);
            Post(new PlateReadReceived(read.At, record));
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TickInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            // Ticks only enforce timeouts: an idle lane (nothing pending) is left asleep.
            if (_deadlinePending)
            {
                Post(new Tick(_time.GetUtcNow()));
            }
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "{Lane}: the lane rules failed on {Event}; outputs forced safe")]
    private static partial void LogMachineFailure(ILogger logger, string lane, string @event, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "{Lane}: aborting scan of {Transaction}: {Why}")]
    private static partial void LogAbort(ILogger logger, string lane, string transaction, string why);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "{Lane}: vehicle {Transaction} closed: {Outcome} (score {Score:0.#########})")]
    private static partial void LogClosed(ILogger logger, string lane, string transaction, TransactionOutcome? outcome, double? score);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "{Lane}: ALERT {Transaction}: {Summary}")]
    private static partial void LogAlert(ILogger logger, string lane, string transaction, string summary);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "{Lane}: could not draw the heat-map overlay {Path}: {Reason}")]
    private static partial void LogOverlayFailed(ILogger logger, string lane, string path, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "{Lane}: could not set the lane signals ({Reason}); outputs forced safe")]
    private static partial void LogSignalFailure(ILogger logger, string lane, string reason);
}
