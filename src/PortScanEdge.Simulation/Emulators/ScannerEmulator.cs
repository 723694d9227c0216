using System.Security.Cryptography;
using PortScanEdge.Core.Imaging;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Simulation.Pty;

namespace PortScanEdge.Simulation.Emulators;

/// <summary>Settings of an emulated scanner.</summary>
public sealed class ScannerEmulatorOptions
{
    /// <summary>Device id (used in image file names).</summary>
    public string Id { get; set; } = "scanner-1";

    /// <summary>Stable path of the emulated port (a symbolic link to the pty), or null for the bare /dev/pts name.</summary>
    public string? LinkPath { get; set; }

    /// <summary>Where finished images are written.</summary>
    public string SpoolDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "portscan-edge-spool");

    /// <summary>
    /// Most images kept in the spool: like a real scanner rotating its share, the emulator deletes its oldest files
    /// beyond this many after each scan (the gateway has copied them long before).
    /// </summary>
    public int SpoolKeep { get; set; } = 32;

    /// <summary>Time from SCANNING to SCAN_COMPLETE (beam on for most of it).</summary>
    public TimeSpan ScanDuration { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Lowest protocol version spoken.</summary>
    public byte MinVersion { get; set; } = ScannerProtocol.ProtocolVersion;

    /// <summary>Highest protocol version spoken.</summary>
    public byte MaxVersion { get; set; } = ScannerProtocol.ProtocolVersion;

    /// <summary>Announce dual-energy pairs instead of single images.</summary>
    public bool DualEnergy { get; set; }

    /// <summary>Nominal energy in kV (the high one for a pair).</summary>
    public ushort EnergyKv { get; set; } = 6000;

    /// <summary>Image width in pixels.</summary>
    public int ImageWidth { get; set; } = 256;

    /// <summary>Image height in pixels.</summary>
    public int ImageHeight { get; set; } = 128;

    /// <summary>Vendor reported in WELCOME.</summary>
    public string Vendor { get; set; } = "PortScanEdge";

    /// <summary>Model reported in WELCOME.</summary>
    public string Model { get; set; } = "Emulated portal";

    /// <summary>Serial number reported in WELCOME.</summary>
    public string SerialNumber { get; set; } = "EMU-0001";

    /// <summary>Firmware reported in WELCOME.</summary>
    public string Firmware { get; set; } = "1.0.0";
}

/// <summary>Counters of an emulated scanner.</summary>
public readonly record struct ScannerEmulatorStatistics(long Sessions, long CommandsReceived, long ScansCompleted, long CommandsRejected, long Reopens);

/// <summary>
/// The device side of the scanner serial protocol (hardware/protocols/scanner-serial.md) on a real
/// pseudo-terminal, with the state machine of §5.1, real image files in the spool directory (§7), and faults
/// injected on demand through <see cref="Faults"/> and the methods below.
/// </summary>
public sealed class ScannerEmulator : IAsyncDisposable
{
    private readonly ScannerEmulatorOptions _options;
    private readonly IScanImageSource _images;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _stateGate = new();
    private readonly OutboundFilter _filter;
    private Task _runner = Task.CompletedTask;
    private volatile PseudoTerminal? _pty;
    private volatile ScannerLink? _link;
    private TaskCompletionSource _reopened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ScannerState _state = ScannerState.Idle;
    private bool _interlockClosed = true;
    private bool _xrayOn;
    private ushort _faultCode;
    private string _faultText = string.Empty;
    private string _transactionId = string.Empty;
    private CancellationTokenSource? _scan;
    private TimeSpan _downFor;
    private long _sessions;
    private long _commands;
    private long _scans;
    private long _rejected;
    private long _reopens;

    /// <summary>Creates the emulator; call <see cref="Start"/>.</summary>
    public ScannerEmulator(ScannerEmulatorOptions options, IScanImageSource? images = null, TimeProvider? time = null)
    {
        _options = options;
        _images = images ?? new GradientScanImageSource();
        _time = time ?? TimeProvider.System;
        _filter = FilterAsync;
    }

    /// <summary>Faults to inject.</summary>
    public ScannerFaults Faults { get; } = new();

    /// <summary>Raised with the transaction id once a SCAN_COMPLETE has been sent and acknowledged.</summary>
    public event EventHandler<string>? ScanAnnounced;

    /// <summary>The path the gateway should open (stable link when configured).</summary>
    public string DevicePath => _options.LinkPath ?? _pty?.SubordinatePath ?? throw new InvalidOperationException("not started");

    /// <summary>The current pseudo-terminal's kernel name.</summary>
    public string? SubordinatePath => _pty?.SubordinatePath;

    /// <summary>Counters so far.</summary>
    public ScannerEmulatorStatistics Statistics => new(
        Interlocked.Read(ref _sessions), Interlocked.Read(ref _commands), Interlocked.Read(ref _scans),
        Interlocked.Read(ref _rejected), Interlocked.Read(ref _reopens));

    /// <summary>Counters of the current link, if any.</summary>
    public LinkStatistics? LinkStatistics => _link?.Statistics;

    /// <summary>The state the emulated scanner is in.</summary>
    public ScannerState State
    {
        get
        {
            lock (_stateGate)
            {
                return _state;
            }
        }
    }

    /// <summary>Opens the pseudo-terminal and starts answering.</summary>
    public void Start()
    {
        Directory.CreateDirectory(_options.SpoolDirectory);
        _pty = PseudoTerminal.Open(_options.LinkPath);
        _runner = Task.Run(RunAsync);
    }

    /// <summary>
    /// Pulls the plug: closes the pseudo-terminal (the gateway sees a hang-up) and opens a new one after
    /// <paramref name="downFor"/>, re-pointing the stable link. Completes when the new one is open.
    /// </summary>
    public async Task DisconnectAsync(TimeSpan downFor)
    {
        TaskCompletionSource reopened;
        lock (_stateGate)
        {
            _downFor = downFor;
            reopened = _reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        PseudoTerminal? pty = _pty;
        _link?.MarkLost("emulator disconnect");
        if (pty is not null)
        {
            await pty.DisposeAsync().ConfigureAwait(false);
        }

        await reopened.Task.ConfigureAwait(false);
    }

    /// <summary>Raises a scanner fault (beam off, FAULT event), as the real device would.</summary>
    public async Task RaiseFaultAsync(ushort code, string text)
    {
        CancellationTokenSource? scan;
        bool wasOn;
        lock (_stateGate)
        {
            scan = _scan;
            wasOn = _xrayOn;
            _state = ScannerState.Fault;
            _faultCode = code;
            _faultText = text;
            _xrayOn = false;
        }

        if (scan is not null)
        {
            await scan.CancelAsync().ConfigureAwait(false);
        }

        if (wasOn)
        {
            await SendEventAsync(ScannerFrameType.Xray, ScannerMessageCodec.EncodeFlag(false)).ConfigureAwait(false);
        }

        await SendEventAsync(ScannerFrameType.Fault, ScannerMessageCodec.EncodeFault(new FaultMessage(code, text))).ConfigureAwait(false);
    }

    /// <summary>Opens or closes the safety interlock (opening it during a scan is fault 1).</summary>
    public async Task SetInterlockAsync(bool closed)
    {
        bool scanning;
        lock (_stateGate)
        {
            _interlockClosed = closed;
            scanning = _state == ScannerState.Scanning;
        }

        await SendEventAsync(ScannerFrameType.Interlock, ScannerMessageCodec.EncodeFlag(closed)).ConfigureAwait(false);
        if (!closed && scanning)
        {
            await RaiseFaultAsync(ScannerFaultCodes.InterlockOpenedDuringScan, "interlock opened during scan").ConfigureAwait(false);
        }
    }

    /// <summary>Sends a frame of a type the protocol does not define (tests the gateway's unknown-frame handling).</summary>
    public Task SendUnknownEventAsync(byte type) => SendEventAsync((ScannerFrameType)type, [1, 2, 3]);

    /// <summary>Sends an event whose payload is malformed (tests the gateway's malformed-payload handling).</summary>
    public Task SendMalformedEventAsync() => SendEventAsync(ScannerFrameType.Fault, [0x00]);

    /// <summary>Stops the emulator and closes the pseudo-terminal.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _link?.MarkLost("emulator stopped");
        PseudoTerminal? pty = _pty;
        if (pty is not null)
        {
            await pty.DisposeAsync().ConfigureAwait(false);
            pty.RemoveLink();
        }

        try
        {
            await _runner.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            PseudoTerminal? pty = _pty;
            if (pty is null)
            {
                return;
            }

            var link = new ScannerLink(pty, _time, linkTimeout: null, sendHeartbeats: false, _filter);
            _link = link;
            link.Start();
            try
            {
                await foreach (LinkFrame frame in link.Frames.ReadAllAsync(stop).ConfigureAwait(false))
                {
                    await HandleAsync(link, frame).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (LinkLostException)
            {
            }

            await link.DisposeAsync().ConfigureAwait(false);
            await AbortScanAsync().ConfigureAwait(false);
            if (stop.IsCancellationRequested)
            {
                return;
            }

            TimeSpan downFor;
            TaskCompletionSource reopened;
            lock (_stateGate)
            {
                downFor = _downFor;
                _downFor = TimeSpan.Zero;
                reopened = _reopened;
            }

            if (downFor > TimeSpan.Zero)
            {
                // The pty was closed on purpose: stay unplugged, then appear again under the same stable name.
                try
                {
                    await Task.Delay(downFor, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                _pty = PseudoTerminal.Open(_options.LinkPath);
                Interlocked.Increment(ref _reopens);
                reopened.TrySetResult();
            }

            // Otherwise the gateway stopped acknowledging: keep the pty, start a fresh link and wait for HELLO.
        }
    }

    private async Task HandleAsync(ScannerLink link, LinkFrame frame)
    {
        if (frame.FrameType == ScannerFrameType.Heartbeat)
        {
            return;
        }

        Interlocked.Increment(ref _commands);
        TimeSpan delay = Faults.ResponseDelay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, _stop.Token).ConfigureAwait(false);
        }

        switch (frame.FrameType)
        {
            case ScannerFrameType.Hello:
                await HelloAsync(link, frame).ConfigureAwait(false);
                return;
            case ScannerFrameType.GetStatus:
                await SendStatusAsync().ConfigureAwait(false);
                return;
            case ScannerFrameType.Arm:
                await ArmAsync(frame).ConfigureAwait(false);
                return;
            case ScannerFrameType.StartScan:
                await StartScanAsync(frame).ConfigureAwait(false);
                return;
            case ScannerFrameType.Abort:
                await AbortScanAsync().ConfigureAwait(false);
                lock (_stateGate)
                {
                    if (_state != ScannerState.Fault)
                    {
                        _state = ScannerState.Idle;
                    }
                }

                await SendStatusAsync().ConfigureAwait(false);
                return;
            case ScannerFrameType.ResetFault:
                bool reset;
                lock (_stateGate)
                {
                    reset = _state == ScannerState.Fault;
                    if (reset)
                    {
                        _state = ScannerState.Idle;
                        _faultCode = 0;
                        _faultText = string.Empty;
                    }
                }

                if (reset)
                {
                    await SendStatusAsync().ConfigureAwait(false);
                }
                else
                {
                    await RejectAsync(frame, RejectReason.InvalidState, "no fault to reset").ConfigureAwait(false);
                }

                return;
            default:
                await RejectAsync(frame, RejectReason.UnknownCommand, $"unknown command 0x{frame.Type:X2}").ConfigureAwait(false);
                return;
        }
    }

    private async Task HelloAsync(ScannerLink link, LinkFrame frame)
    {
        if (!ScannerMessageCodec.TryParseHello(frame.Payload, out HelloMessage hello, out string error))
        {
            await RejectAsync(frame, RejectReason.Malformed, error).ConfigureAwait(false);
            return;
        }

        // §6.1: the highest version in both ranges, or 0.
        byte high = Math.Min(hello.MaxVersion, _options.MaxVersion);
        byte low = Math.Max(hello.MinVersion, _options.MinVersion);
        byte selected = high >= low ? high : (byte)0;
        link.ResetTransmitSequence();
        Interlocked.Increment(ref _sessions);
        await link.SendAsync(ScannerFrameType.Welcome, ScannerMessageCodec.EncodeWelcome(new WelcomeMessage(
            selected, _options.MinVersion, _options.MaxVersion, _options.Vendor, _options.Model, _options.SerialNumber, _options.Firmware))).ConfigureAwait(false);
        if (selected != 0)
        {
            link.HeartbeatsEnabled = true;
            await SendStatusAsync().ConfigureAwait(false);
        }
    }

    private async Task ArmAsync(LinkFrame frame)
    {
        RejectReason? reason;
        lock (_stateGate)
        {
            reason = _state switch
            {
                ScannerState.Fault => RejectReason.Faulted,
                ScannerState.Scanning => RejectReason.Busy,
                _ when !_interlockClosed => RejectReason.InterlockOpen,
                _ => null,
            };
            if (reason is null)
            {
                _state = ScannerState.Ready;
            }
        }

        if (reason is { } r)
        {
            await RejectAsync(frame, r, $"cannot arm: {r}").ConfigureAwait(false);
            return;
        }

        await SendEventAsync(ScannerFrameType.Ready, []).ConfigureAwait(false);
    }

    private async Task StartScanAsync(LinkFrame frame)
    {
        if (!ScannerMessageCodec.TryParseTransactionId(frame.Payload, false, out string transactionId, out string error))
        {
            await RejectAsync(frame, RejectReason.Malformed, error).ConfigureAwait(false);
            return;
        }

        RejectReason? reason;
        CancellationTokenSource? scan = null;
        lock (_stateGate)
        {
            reason = _state switch
            {
                ScannerState.Fault => RejectReason.Faulted,
                ScannerState.Scanning => RejectReason.Busy,
                ScannerState.Idle => RejectReason.InvalidState,
                _ when !_interlockClosed => RejectReason.InterlockOpen,
                _ => null,
            };
            if (reason is null)
            {
                _state = ScannerState.Scanning;
                _transactionId = transactionId;
                scan = _scan = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            }
        }

        if (reason is { } r)
        {
            await RejectAsync(frame, r, $"cannot start scan: {r}").ConfigureAwait(false);
            return;
        }

        await SendEventAsync(ScannerFrameType.Scanning, ScannerMessageCodec.EncodeTransactionId(transactionId)).ConfigureAwait(false);
        _ = Task.Run(() => ScanAsync(transactionId, scan!));
    }

    private async Task ScanAsync(string transactionId, CancellationTokenSource scan)
    {
        try
        {
            lock (_stateGate)
            {
                _xrayOn = true;
            }

            await SendEventAsync(ScannerFrameType.Xray, ScannerMessageCodec.EncodeFlag(true)).ConfigureAwait(false);
            await Task.Delay(_options.ScanDuration, _time, scan.Token).ConfigureAwait(false);
            lock (_stateGate)
            {
                _xrayOn = false;
            }

            await SendEventAsync(ScannerFrameType.Xray, ScannerMessageCodec.EncodeFlag(false)).ConfigureAwait(false);
            List<AnnouncedImage> images = await WriteImagesAsync(transactionId, scan.Token).ConfigureAwait(false);
            lock (_stateGate)
            {
                _state = ScannerState.Idle;
                _transactionId = string.Empty;
                _scan = null;
            }

            Interlocked.Increment(ref _scans);
            await SendEventAsync(ScannerFrameType.ScanComplete, ScannerMessageCodec.EncodeScanComplete(new ScanCompleteMessage(transactionId, images))).ConfigureAwait(false);
            ScanAnnounced?.Invoke(this, transactionId);
        }
        catch (OperationCanceledException)
        {
            // Aborted or faulted: the beam is already off.
        }
        catch (LinkLostException)
        {
        }
        catch (IOException)
        {
            // The spool failed: a real scanner reports it.
            await RaiseFaultAsync(ScannerFaultCodes.SpoolWriteFailure, "image spool write failure").ConfigureAwait(false);
        }
        finally
        {
            scan.Dispose();
        }
    }

    private async Task<List<AnnouncedImage>> WriteImagesAsync(string transactionId, CancellationToken cancellationToken)
    {
        (EnergyKind Kind, ushort Kv)[] energies = _options.DualEnergy
            ? [(EnergyKind.Low, (ushort)(_options.EnergyKv / 2)), (EnergyKind.High, _options.EnergyKv)]
            : [(EnergyKind.SingleEnergy, _options.EnergyKv)];
        bool hashMismatch = Faults.TakeHashMismatch();
        bool sizeMismatch = Faults.TakeSizeMismatch();
        bool missing = Faults.TakeMissingFile();
        var announced = new List<AnnouncedImage>(energies.Length);
        foreach ((EnergyKind kind, ushort kv) in energies)
        {
            byte[] bytes = await _images.RenderAsync(new ScanImageRequest(transactionId, kind, kv, _options.ImageWidth, _options.ImageHeight, _options.Id), cancellationToken).ConfigureAwait(false);
            string suffix = kind switch { EnergyKind.Low => "low", EnergyKind.High => "high", _ => "single" };
            string name = $"{_options.Id}-{transactionId}-{suffix}.png";
            string path = Path.Combine(_options.SpoolDirectory, name);
            if (!missing)
            {
                // §7 step 1: write beside, rename when complete.
                string partial = path + ".part";
                await File.WriteAllBytesAsync(partial, bytes, cancellationToken).ConfigureAwait(false);
                File.Move(partial, path, overwrite: true);
            }

            byte[] sha = SHA256.HashData(bytes);
            if (hashMismatch)
            {
                sha[0] ^= 0xFF;
            }

            // A replayed file keeps its own size; only a source that is not a PNG is announced at the configured one.
            if (!PngHeader.TryReadSize(bytes, out int width, out int height))
            {
                (width, height) = (_options.ImageWidth, _options.ImageHeight);
            }

            announced.Add(new AnnouncedImage(kind, kv, name, bytes.Length + (sizeMismatch ? 1 : 0), sha, width, height, 16));
        }

        RotateSpool();
        return announced;
    }

    private void RotateSpool()
    {
        try
        {
            var files = new DirectoryInfo(_options.SpoolDirectory).GetFiles(_options.Id + "-*.png");
            if (files.Length <= _options.SpoolKeep)
            {
                return;
            }

            foreach (var old in files.OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name, StringComparer.Ordinal).Skip(_options.SpoolKeep))
            {
                old.Delete();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A spool that cannot be tidied is the next scan's problem, not this one's: the images are written.
        }
    }

    private async Task AbortScanAsync()
    {
        CancellationTokenSource? scan;
        bool wasOn;
        lock (_stateGate)
        {
            scan = _scan;
            _scan = null;
            wasOn = _xrayOn;
            _xrayOn = false;
            _transactionId = string.Empty;
            if (_state == ScannerState.Scanning)
            {
                _state = ScannerState.Idle;
            }
        }

        if (scan is not null)
        {
            try
            {
                await scan.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        if (wasOn && _link is { IsLost: false })
        {
            await SendEventAsync(ScannerFrameType.Xray, ScannerMessageCodec.EncodeFlag(false)).ConfigureAwait(false);
        }
    }

    private Task SendStatusAsync()
    {
        StatusMessage status;
        lock (_stateGate)
        {
            status = new StatusMessage(_state, _interlockClosed, _xrayOn, _faultCode, _transactionId);
        }

        return SendEventAsync(ScannerFrameType.Status, ScannerMessageCodec.EncodeStatus(status));
    }

    private Task RejectAsync(LinkFrame frame, RejectReason reason, string text)
    {
        Interlocked.Increment(ref _rejected);
        return SendEventAsync(ScannerFrameType.CommandRejected, ScannerMessageCodec.EncodeCommandRejected(new CommandRejectedMessage(frame.Type, frame.Sequence, reason, text)));
    }

    private async Task SendEventAsync(ScannerFrameType type, byte[] payload)
    {
        ScannerLink? link = _link;
        if (link is null || link.IsLost)
        {
            return;
        }

        try
        {
            await link.SendAsync(type, payload, _stop.Token).ConfigureAwait(false);
        }
        catch (LinkLostException)
        {
            // The gateway stopped acknowledging; RunAsync starts a fresh link.
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async ValueTask FilterAsync(byte[] frame, bool isAckOrNak, Func<ReadOnlyMemory<byte>, ValueTask> send)
    {
        if (Faults.Silent)
        {
            return;
        }

        if (Faults.TakeGarbage())
        {
            var garbage = new byte[Faults.GarbageBurstBytes];
            Random.Shared.NextBytes(garbage);
            await send(garbage).ConfigureAwait(false);
        }

        if (!isAckOrNak)
        {
            if (Faults.TakeDrop())
            {
                return;
            }

            if (Faults.TakeCorrupt())
            {
                byte[] corrupt = (byte[])frame.Clone();
                corrupt[^1] ^= 0xFF;
                await send(corrupt).ConfigureAwait(false);
                return;
            }

            if (Faults.TakeDuplicate())
            {
                await send(frame).ConfigureAwait(false);
                await send(frame).ConfigureAwait(false);
                return;
            }
        }

        await send(frame).ConfigureAwait(false);
    }
}
