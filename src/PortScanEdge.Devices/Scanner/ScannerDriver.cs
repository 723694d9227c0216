using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Devices.Serial;

namespace PortScanEdge.Devices.Scanner;

/// <summary>Counters of a scanner driver.</summary>
/// <param name="Connects">Successful handshakes.</param>
/// <param name="LinkLosses">Times the link was lost after a handshake.</param>
/// <param name="MalformedEvents">Events whose payload did not parse (§5).</param>
/// <param name="UnknownFrames">Frames of a type the gateway does not know (§5).</param>
/// <param name="Link">Counters of the current link.</param>
public readonly record struct ScannerDriverStatistics(long Connects, long LinkLosses, long MalformedEvents, long UnknownFrames, LinkStatistics Link);

/// <summary>
/// The gateway side of the scanner serial protocol (hardware/protocols/scanner-serial.md) over a serial transport:
/// opens the port, negotiates the version, keeps the link alive, turns frames into <see cref="ScannerEvent"/>s,
/// verifies announced images, and reopens the port with back-off when the device disappears.
/// </summary>
public sealed class ScannerDriver : IScanner, IAsyncDisposable
{
    /// <summary>How long the scanner may take to answer a command after ACKing it (§5).</summary>
    public static readonly TimeSpan CommandResponseTimeout = TimeSpan.FromSeconds(2);

    private readonly ScannerOptions _options;
    private readonly ISerialTransportFactory _transports;
    private readonly ImageHandover _handover;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HealthCell _health;
    private readonly Channel<ScannerEvent> _events = Channel.CreateUnbounded<ScannerEvent>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Lock _handoverGate = new();
    private readonly List<Task> _handovers = [];
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly RateLimitedCounter _badInput;
    private readonly Lock _snapshotGate = new();
    private ScannerSnapshot _snapshot = ScannerSnapshot.Unknown;
    private Task _supervisor = Task.CompletedTask;
    private volatile ScannerLink? _link;
    private volatile PendingCommand? _pending;
    private long _connects;
    private long _linkLosses;
    private long _malformed;
    private long _unknown;

    /// <summary>Creates the driver; call <see cref="Start"/>.</summary>
    public ScannerDriver(ScannerOptions options, ISerialTransportFactory transports, ImageHandover handover, TimeProvider time, ILogger<ScannerDriver>? logger = null)
    {
        _options = options;
        _transports = transports;
        _handover = handover;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _health = new HealthCell(options.Id, DeviceKind.Scanner, time);
        _badInput = new RateLimitedCounter(time, TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public event EventHandler<DeviceHealth>? HealthChanged;

    /// <inheritdoc />
    public string DeviceId => _options.Id;

    /// <inheritdoc />
    public DeviceHealth Health => _health.Current;

    /// <inheritdoc />
    public ScannerSnapshot Snapshot
    {
        get
        {
            lock (_snapshotGate)
            {
                return _snapshot;
            }
        }
    }

    /// <inheritdoc />
    public ChannelReader<ScannerEvent> Events => _events.Reader;

    /// <summary>Counters so far.</summary>
    public ScannerDriverStatistics Statistics => new(
        Interlocked.Read(ref _connects), Interlocked.Read(ref _linkLosses), Interlocked.Read(ref _malformed),
        Interlocked.Read(ref _unknown), _link?.Statistics ?? default);

    /// <summary>Starts connecting in the background.</summary>
    public void Start() => _supervisor = Task.Run(SuperviseAsync);

    /// <inheritdoc />
    public Task<ScannerCommandResult> GetStatusAsync(CancellationToken cancellationToken = default) =>
        CommandAsync(ScannerFrameType.GetStatus, [], ScannerFrameType.Status, cancellationToken);

    /// <inheritdoc />
    public Task<ScannerCommandResult> ArmAsync(CancellationToken cancellationToken = default) =>
        CommandAsync(ScannerFrameType.Arm, [], ScannerFrameType.Ready, cancellationToken);

    /// <inheritdoc />
    public Task<ScannerCommandResult> StartScanAsync(string transactionId, CancellationToken cancellationToken = default)
    {
        if (!ScannerMessageCodec.IsValidTransactionId(transactionId))
        {
            return Task.FromResult(new ScannerCommandResult(ScannerCommandOutcome.Rejected, RejectReason.Malformed,
                "transaction id must be 1-64 characters of A-Z a-z 0-9 - _", Snapshot));
        }

        return CommandAsync(ScannerFrameType.StartScan, ScannerMessageCodec.EncodeTransactionId(transactionId), ScannerFrameType.Scanning, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ScannerCommandResult> AbortAsync(string? transactionId = null, CancellationToken cancellationToken = default) =>
        CommandAsync(ScannerFrameType.Abort, ScannerMessageCodec.EncodeTransactionId(transactionId ?? string.Empty), ScannerFrameType.Status, cancellationToken);

    /// <inheritdoc />
    public Task<ScannerCommandResult> ResetFaultAsync(CancellationToken cancellationToken = default) =>
        CommandAsync(ScannerFrameType.ResetFault, [], ScannerFrameType.Status, cancellationToken);

    /// <summary>Stops the driver and closes the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _supervisor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Task[] handovers;
        lock (_handoverGate)
        {
            handovers = [.. _handovers];
        }

        await Task.WhenAll(handovers).ConfigureAwait(false);
        SetHealth(DeviceHealthState.Stopped, "stopped");
        _events.Writer.TryComplete();
        Log.Stopped(_logger, DeviceId);
    }

    private async Task SuperviseAsync()
    {
        CancellationToken stop = _stop.Token;
        TimeSpan backoff = _options.Serial.ReconnectBackoffInitial;
        while (!stop.IsCancellationRequested)
        {
            ISerialTransport transport;
            try
            {
                transport = _transports.Open(_options.Serial);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                string reason = $"cannot open {_options.Serial.Port}: {ex.Message}";
                SetHealth(Health.State == DeviceHealthState.Starting ? DeviceHealthState.Starting : DeviceHealthState.Reconnecting, reason);
                Log.OpenFailed(_logger, DeviceId, _options.Serial.Port, ex.Message, (long)backoff.TotalMilliseconds);
                if (!await DelayAsync(backoff, stop).ConfigureAwait(false))
                {
                    return;
                }

                backoff = Next(backoff);
                continue;
            }

            string lostReason;
            bool faultedHandshake = false;
            var link = new ScannerLink(transport, _time, ScannerProtocol.LinkTimeout);
            try
            {
                link.Start();
                WelcomeMessage? welcome = await HandshakeAsync(link, stop).ConfigureAwait(false);
                if (welcome is null)
                {
                    lostReason = link.IsLost ? link.LostReason : $"no WELCOME within {ScannerProtocol.HandshakeTimeout.TotalMilliseconds:0} ms";
                }
                else if (welcome.SelectedVersion != ScannerProtocol.ProtocolVersion)
                {
                    faultedHandshake = true;
                    lostReason = $"no common protocol version (gateway {ScannerProtocol.ProtocolVersion}..{ScannerProtocol.ProtocolVersion}, scanner {welcome.ScannerMinVersion}..{welcome.ScannerMaxVersion})";
                }
                else
                {
                    UpdateSnapshot(s => s with { Identity = welcome });
                    _link = link;
                    Interlocked.Increment(ref _connects);
                    backoff = _options.Serial.ReconnectBackoffInitial;
                    SetHealth(DeviceHealthState.Connected, string.Empty);
                    Log.ScannerConnected(_logger, DeviceId, welcome.Vendor, welcome.Model, welcome.SerialNumber, welcome.Firmware, transport.PortName, welcome.SelectedVersion);
                    await ProcessFramesAsync(link, stop).ConfigureAwait(false);
                    lostReason = link.IsLost ? link.LostReason : "stopped";
                    Interlocked.Increment(ref _linkLosses);
                }
            }
            catch (LinkLostException ex)
            {
                lostReason = ex.Message;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                lostReason = "stopped";
            }
            finally
            {
                _link = null;
                _pending?.Result.TrySetResult(null);
                await link.DisposeAsync().ConfigureAwait(false);
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            TimeSpan delay = backoff;
            if (faultedHandshake)
            {
                SetHealth(DeviceHealthState.Faulted, lostReason);
                Log.DeviceFaulted(_logger, DeviceId, lostReason);
                delay = _options.Serial.ReconnectBackoffMax;
            }
            else
            {
                SetHealth(DeviceHealthState.Reconnecting, lostReason);
                Log.LinkLost(_logger, DeviceId, lostReason, (long)delay.TotalMilliseconds);
            }

            if (!await DelayAsync(delay, stop).ConfigureAwait(false))
            {
                return;
            }

            backoff = Next(backoff);
        }
    }

    private TimeSpan Next(TimeSpan backoff)
    {
        TimeSpan doubled = backoff * 2;
        return doubled > _options.Serial.ReconnectBackoffMax ? _options.Serial.ReconnectBackoffMax : doubled;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<WelcomeMessage?> HandshakeAsync(ScannerLink link, CancellationToken stop)
    {
        // §6.1: HELLO with SEQ 0, then WELCOME within HandshakeTimeout.
        link.ResetTransmitSequence();
        byte[] hello = ScannerMessageCodec.EncodeHello(new HelloMessage(ScannerProtocol.ProtocolVersion, ScannerProtocol.ProtocolVersion, "portscan-edge"));
        using var timeout = new CancellationTokenSource(ScannerProtocol.HandshakeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        try
        {
            await link.SendAsync(ScannerFrameType.Hello, hello, linked.Token).ConfigureAwait(false);
            while (await link.Frames.WaitToReadAsync(linked.Token).ConfigureAwait(false))
            {
                while (link.Frames.TryRead(out LinkFrame? frame))
                {
                    if (frame.FrameType == ScannerFrameType.Welcome
                        && ScannerMessageCodec.TryParseWelcome(frame.Payload, out WelcomeMessage welcome, out _))
                    {
                        return welcome;
                    }

                    // Frames before WELCOME belong to an older session: ignored.
                }
            }

            return null;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task ProcessFramesAsync(ScannerLink link, CancellationToken stop)
    {
        try
        {
            await foreach (LinkFrame frame in link.Frames.ReadAllAsync(stop).ConfigureAwait(false))
            {
                await HandleFrameAsync(frame, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task HandleFrameAsync(LinkFrame frame, CancellationToken stop)
    {
        DateTimeOffset now = _time.GetUtcNow();
        string error;
        switch (frame.FrameType)
        {
            case ScannerFrameType.Heartbeat:
                return;

            case ScannerFrameType.Welcome:
                // The scanner restarted its session on the same line; identity may have changed.
                if (ScannerMessageCodec.TryParseWelcome(frame.Payload, out WelcomeMessage welcome, out error))
                {
                    UpdateSnapshot(s => s with { Identity = welcome });
                    return;
                }

                break;

            case ScannerFrameType.Status:
                if (ScannerMessageCodec.TryParseStatus(frame.Payload, out StatusMessage status, out error))
                {
                    ScannerSnapshot snapshot = UpdateSnapshot(s => s with
                    {
                        State = status.State,
                        InterlockClosed = status.InterlockClosed,
                        XrayOn = status.XrayOn,
                        FaultCode = status.FaultCode,
                        FaultText = status.FaultCode == 0 ? string.Empty : (s.FaultCode == status.FaultCode && s.FaultText.Length > 0 ? s.FaultText : ScannerFaultCodes.Describe(status.FaultCode)),
                        TransactionId = status.TransactionId,
                    });
                    if (status.State == ScannerState.Fault)
                    {
                        SetHealth(DeviceHealthState.Faulted, FaultReason(snapshot));
                    }
                    else
                    {
                        SetHealth(DeviceHealthState.Connected, string.Empty);
                    }

                    Publish(new ScannerStatusReported(DeviceId, now, snapshot));
                    Answer(ScannerFrameType.Status, null);
                    return;
                }

                break;

            case ScannerFrameType.Ready:
                UpdateSnapshot(s => s with { State = ScannerState.Ready });
                Publish(new ScannerReady(DeviceId, now));
                Answer(ScannerFrameType.Ready, null);
                return;

            case ScannerFrameType.Scanning:
                if (ScannerMessageCodec.TryParseTransactionId(frame.Payload, false, out string transactionId, out error))
                {
                    UpdateSnapshot(s => s with { State = ScannerState.Scanning, TransactionId = transactionId });
                    Publish(new ScanStarted(DeviceId, now, transactionId));
                    Answer(ScannerFrameType.Scanning, null);
                    return;
                }

                break;

            case ScannerFrameType.ScanComplete:
                await HandleScanCompleteAsync(frame, now, stop).ConfigureAwait(false);
                return;

            case ScannerFrameType.Fault:
                if (ScannerMessageCodec.TryParseFault(frame.Payload, out FaultMessage fault, out error))
                {
                    ScannerSnapshot snapshot = UpdateSnapshot(s => s with { State = ScannerState.Fault, FaultCode = fault.Code, FaultText = fault.Text, XrayOn = false });
                    string reason = FaultReason(snapshot);
                    SetHealth(DeviceHealthState.Faulted, reason);
                    Log.DeviceFaulted(_logger, DeviceId, reason);
                    Publish(new ScannerFaulted(DeviceId, now, fault.Code, fault.Text));
                    return;
                }

                break;

            case ScannerFrameType.Interlock:
                if (ScannerMessageCodec.TryParseFlag(frame.Payload, out bool closed, out error))
                {
                    UpdateSnapshot(s => s with { InterlockClosed = closed });
                    Publish(new InterlockChanged(DeviceId, now, closed));
                    return;
                }

                break;

            case ScannerFrameType.Xray:
                if (ScannerMessageCodec.TryParseFlag(frame.Payload, out bool on, out error))
                {
                    UpdateSnapshot(s => s with { XrayOn = on });
                    Publish(new XrayChanged(DeviceId, now, on));
                    return;
                }

                break;

            case ScannerFrameType.CommandRejected:
                if (ScannerMessageCodec.TryParseCommandRejected(frame.Payload, out CommandRejectedMessage rejected, out error))
                {
                    Log.CommandRejected(_logger, DeviceId, ((ScannerFrameType)rejected.CommandType).ToString(), rejected.Reason.ToString(), rejected.Text);
                    PendingCommand? pending = _pending;
                    if (pending is not null && (byte)pending.Command == rejected.CommandType)
                    {
                        pending.Result.TrySetResult(rejected);
                    }

                    return;
                }

                break;

            default:
                Interlocked.Increment(ref _unknown);
                ReportBadInput($"unknown frame type 0x{frame.Type:X2}");
                return;
        }

        Interlocked.Increment(ref _malformed);
        ReportBadInput($"malformed {frame.FrameType}: {error}");
    }

    private Task HandleScanCompleteAsync(LinkFrame frame, DateTimeOffset now, CancellationToken stop)
    {
        string current = Snapshot.TransactionId;
        UpdateSnapshot(s => s with { State = ScannerState.Idle, XrayOn = false, TransactionId = string.Empty });
        if (!ScannerMessageCodec.TryParseScanComplete(frame.Payload, out ScanCompleteMessage scan, out string error))
        {
            // A scan finished but its announcement is unreadable: still the transaction's outcome, never silence.
            Interlocked.Increment(ref _malformed);
            PublishHandover(current, now, [], ImageHandoverResult.Failed($"SCAN_COMPLETE could not be read: {error}"));
            return Task.CompletedTask;
        }

        // The hand-over may wait up to image_wait_timeout for the share: it runs beside the frame loop so a FAULT or
        // INTERLOCK event that follows is reported at once, not after the wait.
        Task handover = Task.Run(async () =>
        {
            ImageHandoverResult result;
            try
            {
                result = await _handover.VerifyAsync(scan, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                result = ImageHandoverResult.Failed("gateway stopping during the image hand-over");
            }

            PublishHandover(scan.TransactionId, now, scan.Images, result);
        }, CancellationToken.None);
        lock (_handoverGate)
        {
            _handovers.RemoveAll(t => t.IsCompleted);
            _handovers.Add(handover);
        }

        return Task.CompletedTask;
    }

    private void PublishHandover(string transactionId, DateTimeOffset at, IReadOnlyList<AnnouncedImage> announced, ImageHandoverResult result)
    {
        if (result.IsVerified)
        {
            Log.ImagesVerified(_logger, DeviceId, transactionId, result.Images.Count);
        }
        else
        {
            Log.ImageIntegrityFailed(_logger, DeviceId, transactionId, result.Reason);
        }

        Publish(new ScanCompleted(DeviceId, at, transactionId, announced, result));
    }

    private async Task<ScannerCommandResult> CommandAsync(ScannerFrameType command, byte[] payload, ScannerFrameType answer, CancellationToken cancellationToken)
    {
        await _commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ScannerLink? link = _link;
            if (link is null)
            {
                return new ScannerCommandResult(ScannerCommandOutcome.NotConnected, null, $"scanner {DeviceId} is not connected: {Health.Reason}", Snapshot);
            }

            var pending = new PendingCommand(command, answer);
            _pending = pending;
            try
            {
                await link.SendAsync(command, payload, cancellationToken).ConfigureAwait(false);
                CommandRejectedMessage? rejection = await pending.Result.Task.WaitAsync(CommandResponseTimeout, _time, cancellationToken).ConfigureAwait(false);
                if (rejection is not null)
                {
                    return new ScannerCommandResult(ScannerCommandOutcome.Rejected, rejection.Reason, rejection.Text, Snapshot);
                }

                if (pending.Answered)
                {
                    return new ScannerCommandResult(ScannerCommandOutcome.Accepted, null, $"{command} accepted", Snapshot);
                }

                return new ScannerCommandResult(ScannerCommandOutcome.NotConnected, null, $"link lost during {command}: {Health.Reason}", Snapshot);
            }
            catch (LinkLostException ex)
            {
                return new ScannerCommandResult(ScannerCommandOutcome.NotConnected, null, $"link lost during {command}: {ex.Message}", Snapshot);
            }
            catch (TimeoutException)
            {
                return new ScannerCommandResult(ScannerCommandOutcome.TimedOut, null,
                    $"{command} acknowledged but not answered within {CommandResponseTimeout.TotalMilliseconds:0} ms", Snapshot);
            }
            finally
            {
                _pending = null;
            }
        }
        finally
        {
            _commandLock.Release();
        }
    }

    private void Answer(ScannerFrameType type, CommandRejectedMessage? rejection)
    {
        PendingCommand? pending = _pending;
        if (pending is not null && pending.Expected == type)
        {
            pending.Answered = true;
            pending.Result.TrySetResult(rejection);
        }
    }

    private void Publish(ScannerEvent scannerEvent) => _events.Writer.TryWrite(scannerEvent);

    private ScannerSnapshot UpdateSnapshot(Func<ScannerSnapshot, ScannerSnapshot> change)
    {
        lock (_snapshotGate)
        {
            _snapshot = change(_snapshot);
            return _snapshot;
        }
    }

    private static string FaultReason(ScannerSnapshot snapshot) =>
        $"scanner fault {snapshot.FaultCode}: {(snapshot.FaultText.Length > 0 ? snapshot.FaultText : ScannerFaultCodes.Describe(snapshot.FaultCode))}";

    private void SetHealth(DeviceHealthState state, string reason)
    {
        DeviceHealth? changed = _health.Set(state, reason);
        if (changed is not null)
        {
            HealthChanged?.Invoke(this, changed);
        }
    }

    private void ReportBadInput(string detail)
    {
        long count = _badInput.Hit();
        if (count > 0)
        {
            Log.BadInput(_logger, DeviceId, count, detail);
        }
    }

    private sealed class PendingCommand(ScannerFrameType command, ScannerFrameType expected)
    {
        public ScannerFrameType Command { get; } = command;

        public ScannerFrameType Expected { get; } = expected;

        public volatile bool Answered;

        public TaskCompletionSource<CommandRejectedMessage?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
