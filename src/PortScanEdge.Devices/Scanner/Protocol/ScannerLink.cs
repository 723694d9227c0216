using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using PortScanEdge.Devices.Serial;

namespace PortScanEdge.Devices.Scanner.Protocol;

/// <summary>A sequenced frame delivered by the link (payload copied, safe to keep).</summary>
public sealed record LinkFrame(byte Sequence, byte Type, byte[] Payload)
{
    /// <summary>The type as an enum value.</summary>
    public ScannerFrameType FrameType => (ScannerFrameType)Type;
}

/// <summary>Counters of one link (scanner-serial.md §3, §4, §9).</summary>
public readonly record struct LinkStatistics(
    long FramesSent,
    long Retransmissions,
    long AcksReceived,
    long StaleAcks,
    long NaksSent,
    long NaksReceived,
    long FramesDelivered,
    long Duplicates,
    long SequenceGaps,
    long InboundDropped,
    DecoderStatistics Decoder);

/// <summary>Raised when the link is lost (§6.2): the device vanished, went silent, or never acknowledged.</summary>
public sealed class LinkLostException : IOException
{
    /// <summary>Creates the exception.</summary>
    public LinkLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LinkLostException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public LinkLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Sees every encoded outbound frame and decides what reaches the wire (used by emulators to inject faults).
/// Call <paramref name="send"/> zero, one or several times, with the frame or altered bytes.
/// </summary>
public delegate ValueTask OutboundFilter(byte[] frame, bool isAckOrNak, Func<ReadOnlyMemory<byte>, ValueTask> send);

/// <summary>
/// The link layer of the scanner protocol over one transport, for either side: framing (§2), stop-and-wait ARQ
/// with ACK/NAK and bounded retransmission (§3), sequence numbers with duplicate suppression (§4), heartbeat and
/// link-loss detection (§6.2). Drivers and emulators use it the same way; what frames mean is theirs.
/// </summary>
/// <remarks>
/// Threads: one receive loop (decodes, ACKs, hands frames to <see cref="Frames"/>), one writer loop (the only code
/// that writes to the transport), one monitor loop sleeping until its next deadline on the injected
/// <see cref="TimeProvider"/>. Inbound frames wait in a bounded channel of 256; when the owner does not read and
/// it is full, further frames are counted in <see cref="LinkStatistics.InboundDropped"/> and dropped — the peer's
/// stop-and-wait makes this unreachable for a consumer that reads.
/// </remarks>
public sealed class ScannerLink : IAsyncDisposable
{
    private static readonly TimeSpan MaxMonitorSleep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinMonitorSleep = TimeSpan.FromMilliseconds(10);

    private readonly ISerialTransport _transport;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _linkTimeout;
    private volatile bool _sendHeartbeats;
    private readonly OutboundFilter? _filter;
    private readonly ScannerFrameDecoder _decoder = new();
    private readonly ScannerFrameHandler _onFrame;
    private readonly Channel<LinkFrame> _inbound = Channel.CreateBounded<LinkFrame>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
    private readonly Channel<(byte[] Bytes, bool Control)> _outbound = Channel.CreateUnbounded<(byte[], bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _lost = new();
    private readonly TaskCompletionSource<string> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loops = Task.CompletedTask;
    private Outstanding? _outstanding;
    private byte _txSequence;
    private bool _hasLast;
    private byte _lastSequence;
    private byte _lastType;
    private long _lastReceived;
    private long _lastSent;
    private int _heartbeatInFlight;

    private long _framesSent;
    private long _retransmissions;
    private long _acksReceived;
    private long _staleAcks;
    private long _naksSent;
    private long _naksReceived;
    private long _framesDelivered;
    private long _duplicates;
    private long _sequenceGaps;
    private long _inboundDropped;

    /// <summary>Creates a link; call <see cref="Start"/>.</summary>
    /// <param name="transport">The byte transport; not owned (the caller disposes it after the link).</param>
    /// <param name="time">Clock for every timeout.</param>
    /// <param name="linkTimeout">Declare the link lost after this long without a frame (§6.2), or null never (device side).</param>
    /// <param name="sendHeartbeats">Send HEARTBEAT after <see cref="ScannerProtocol.HeartbeatInterval"/> of silence (§6.2).</param>
    /// <param name="filter">Optional fault-injection hook on outbound frames.</param>
    public ScannerLink(ISerialTransport transport, TimeProvider time, TimeSpan? linkTimeout, bool sendHeartbeats = true, OutboundFilter? filter = null)
    {
        _transport = transport;
        _time = time;
        _linkTimeout = linkTimeout;
        _sendHeartbeats = sendHeartbeats;
        _filter = filter;
        _onFrame = OnFrame;
        _lastReceived = _lastSent = time.GetTimestamp();
    }

    /// <summary>Sequenced frames from the peer, duplicates removed, in arrival order. Completes when the link is lost.</summary>
    public ChannelReader<LinkFrame> Frames => _inbound.Reader;

    /// <summary>Completes with the reason when the link is lost or disposed.</summary>
    public Task<string> Completion => _completion.Task;

    /// <summary>True once the link is lost.</summary>
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>A token cancelled when the link is lost.</summary>
    public CancellationToken LostToken => _lost.Token;

    /// <summary>
    /// Whether HEARTBEAT is sent after <see cref="ScannerProtocol.HeartbeatInterval"/> of silence (§6.2). A device
    /// turns it on once a session exists, so it does not heartbeat into a line nobody listens to.
    /// </summary>
    public bool HeartbeatsEnabled
    {
        get => _sendHeartbeats;
        set => _sendHeartbeats = value;
    }

    /// <summary>Counters so far.</summary>
    public LinkStatistics Statistics => new(
        Interlocked.Read(ref _framesSent), Interlocked.Read(ref _retransmissions), Interlocked.Read(ref _acksReceived),
        Interlocked.Read(ref _staleAcks), Interlocked.Read(ref _naksSent), Interlocked.Read(ref _naksReceived),
        Interlocked.Read(ref _framesDelivered), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _sequenceGaps),
        Interlocked.Read(ref _inboundDropped), _decoder.Statistics);

    /// <summary>Starts the receive, writer and monitor loops.</summary>
    public void Start()
    {
        _loops = Task.WhenAll(
            Task.Run(ReceiveLoopAsync),
            Task.Run(WriteLoopAsync),
            Task.Run(MonitorLoopAsync));
    }

    /// <summary>
    /// Starts a new session (§4, §6.1): the next frame sent carries SEQ 0. Call before sending HELLO (gateway) or
    /// WELCOME (scanner).
    /// </summary>
    public void ResetTransmitSequence() => _txSequence = 0;

    /// <summary>
    /// Sends a sequenced frame and waits for its ACK, retransmitting per §3. Returns the SEQ used.
    /// </summary>
    /// <exception cref="LinkLostException">No ACK after <see cref="ScannerProtocol.MaxRetransmissions"/> retransmissions, or the link was lost.</exception>
    public async Task<byte> SendAsync(ScannerFrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
        CancellationToken token = linked.Token;
        try
        {
            await _sendLock.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lost.IsCancellationRequested)
        {
            throw new LinkLostException(LostReason);
        }

        try
        {
            byte sequence = _txSequence++;
            var bytes = new byte[ScannerFrameEncoder.GetEncodedLength(payload.Length)];
            ScannerFrameEncoder.Encode(bytes, sequence, (byte)type, payload.Span);
            TimeSpan ackTimeout = ScannerProtocol.AckTimeout(bytes.Length, _transport.Baud);
            for (int attempt = 0; attempt <= ScannerProtocol.MaxRetransmissions; attempt++)
            {
                if (attempt > 0)
                {
                    Interlocked.Increment(ref _retransmissions);
                }

                var pending = new Outstanding(sequence);
                Volatile.Write(ref _outstanding, pending);
                Enqueue(bytes, control: false);
                Interlocked.Increment(ref _framesSent);
                try
                {
                    bool acknowledged = await pending.Result.Task.WaitAsync(ackTimeout, _time, token).ConfigureAwait(false);
                    if (acknowledged)
                    {
                        return sequence;
                    }

                    // NAK: retransmit at once (§3).
                }
                catch (TimeoutException)
                {
                    // No ACK in time: retransmit the same bytes (§3).
                }
            }

            string reason = $"no ACK for {type} (SEQ {sequence}) after {ScannerProtocol.MaxRetransmissions + 1} transmissions";
            MarkLost(reason);
            throw new LinkLostException(reason);
        }
        catch (OperationCanceledException) when (_lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new LinkLostException(LostReason);
        }
        finally
        {
            Volatile.Write(ref _outstanding, null);
            _sendLock.Release();
        }
    }

    /// <summary>Writes raw bytes to the wire, bypassing framing (emulator garbage injection and tests).</summary>
    public void SendRaw(byte[] bytes) => _outbound.Writer.TryWrite((bytes, true));

    /// <summary>The reason the link was lost, or empty.</summary>
    public string LostReason => _completion.Task.IsCompleted ? _completion.Task.Result : string.Empty;

    /// <summary>Declares the link lost with a reason (idempotent).</summary>
    public void MarkLost(string reason)
    {
        if (_completion.TrySetResult(reason))
        {
            _lost.Cancel();
            _inbound.Writer.TryComplete();
            _outbound.Writer.TryComplete();
        }
    }

    /// <summary>Stops the loops. Does not dispose the transport.</summary>
    public async ValueTask DisposeAsync()
    {
        MarkLost("closed");
        _transport.Input.CancelPendingRead();
        try
        {
            await _loops.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        // _lost and _sendLock are not disposed: a SendAsync racing with disposal may still touch them, and
        // neither holds an unmanaged resource once cancelled.
    }

    private void Enqueue(byte[] bytes, bool control)
    {
        _outbound.Writer.TryWrite((bytes, control));
    }

    private async Task ReceiveLoopAsync()
    {
        PipeReader input = _transport.Input;
        CancellationToken lost = _lost.Token;
        try
        {
            while (!lost.IsCancellationRequested)
            {
                ReadResult result;
                if (_decoder.HasPartialFrame)
                {
                    // §2.2 step 4: a partial frame may wait only InterByteTimeout for its next byte.
                    using var interByte = new CancellationTokenSource(ScannerProtocol.InterByteTimeout, _time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(lost, interByte.Token);
                    try
                    {
                        result = await input.ReadAsync(linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!lost.IsCancellationRequested)
                    {
                        _decoder.AbandonPartialFrame();
                        DrainDecoder();
                        continue;
                    }
                }
                else
                {
                    result = await input.ReadAsync(lost).ConfigureAwait(false);
                }

                if (result.IsCanceled)
                {
                    continue;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    _decoder.Feed(segment.Span, _onFrame);
                }

                input.AdvanceTo(buffer.End);
                SendNakIfRejected();
                if (result.IsCompleted)
                {
                    MarkLost($"{_transport.PortName} closed (end of input)");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException ex)
        {
            MarkLost(ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            MarkLost($"{_transport.PortName}: {ex.Message}");
        }
    }

    private void DrainDecoder()
    {
        while (_decoder.TryDecode(out ScannerFrame frame))
        {
            _onFrame(frame);
        }

        SendNakIfRejected();
    }

    private void SendNakIfRejected()
    {
        if (_decoder.TryTakeRejected(out byte sequence, out byte reason))
        {
            Enqueue(ScannerFrameEncoder.Encode(sequence, ScannerFrameType.Nak, [reason]), control: true);
            Interlocked.Increment(ref _naksSent);
        }
    }

    private void OnFrame(ScannerFrame frame)
    {
        Volatile.Write(ref _lastReceived, _time.GetTimestamp());
        switch (frame.FrameType)
        {
            case ScannerFrameType.Ack:
            {
                Outstanding? pending = Volatile.Read(ref _outstanding);
                if (pending is not null && pending.Sequence == frame.Sequence && pending.Result.TrySetResult(true))
                {
                    Interlocked.Increment(ref _acksReceived);
                }
                else
                {
                    Interlocked.Increment(ref _staleAcks);
                }

                return;
            }

            case ScannerFrameType.Nak:
                Interlocked.Increment(ref _naksReceived);
                Volatile.Read(ref _outstanding)?.Result.TrySetResult(false);
                return;
        }

        // Sequenced: always ACK (§3), deliver once (§4).
        Enqueue(ScannerFrameEncoder.Encode(frame.Sequence, ScannerFrameType.Ack, []), control: true);
        if (_hasLast && frame.Sequence == _lastSequence && frame.Type == _lastType)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        bool sessionStart = frame.FrameType is ScannerFrameType.Hello or ScannerFrameType.Welcome;
        if (!sessionStart && _hasLast && frame.Sequence != (byte)(_lastSequence + 1))
        {
            Interlocked.Increment(ref _sequenceGaps);
        }

        _hasLast = true;
        _lastSequence = frame.Sequence;
        _lastType = frame.Type;
        if (_inbound.Writer.TryWrite(new LinkFrame(frame.Sequence, frame.Type, frame.Payload.ToArray())))
        {
            Interlocked.Increment(ref _framesDelivered);
        }
        else
        {
            Interlocked.Increment(ref _inboundDropped);
        }
    }

    private async Task WriteLoopAsync()
    {
        Func<ReadOnlyMemory<byte>, ValueTask> send = SendBytesAsync;
        try
        {
            await foreach ((byte[] bytes, bool control) in _outbound.Reader.ReadAllAsync(_lost.Token).ConfigureAwait(false))
            {
                if (_filter is null)
                {
                    await send(bytes).ConfigureAwait(false);
                }
                else
                {
                    await _filter(bytes, control, send).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or TimeoutException)
        {
            MarkLost($"write to {_transport.PortName} failed: {ex.Message}");
        }
    }

    private async ValueTask SendBytesAsync(ReadOnlyMemory<byte> bytes)
    {
        await _transport.WriteAsync(bytes, _lost.Token).ConfigureAwait(false);
        Volatile.Write(ref _lastSent, _time.GetTimestamp());
    }

    private async Task MonitorLoopAsync()
    {
        // Sleeps until the next deadline (heartbeat due or link timeout) instead of ticking: an idle link wakes about
        // once a second, which keeps an idle gateway's CPU at a trickle (hardware/README.md, "Idle CPU").
        CancellationToken lost = _lost.Token;
        try
        {
            while (!lost.IsCancellationRequested)
            {
                long now = _time.GetTimestamp();
                TimeSpan wait = MaxMonitorSleep;
                if (_linkTimeout is { } timeout)
                {
                    TimeSpan silent = _time.GetElapsedTime(Volatile.Read(ref _lastReceived), now);
                    if (silent >= timeout)
                    {
                        MarkLost($"no frame from the device for {timeout.TotalMilliseconds:0} ms");
                        return;
                    }

                    wait = Min(wait, timeout - silent);
                }

                if (_sendHeartbeats)
                {
                    TimeSpan quiet = _time.GetElapsedTime(Volatile.Read(ref _lastSent), now);
                    if (quiet >= ScannerProtocol.HeartbeatInterval)
                    {
                        if (Volatile.Read(ref _outstanding) is null && Interlocked.CompareExchange(ref _heartbeatInFlight, 1, 0) == 0)
                        {
                            _ = SendHeartbeatAsync();
                        }

                        quiet = TimeSpan.Zero;
                    }

                    wait = Min(wait, ScannerProtocol.HeartbeatInterval - quiet);
                }

                await Task.Delay(wait < MinMonitorSleep ? MinMonitorSleep : wait, _time, lost).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private async Task SendHeartbeatAsync()
    {
        try
        {
            await SendAsync(ScannerFrameType.Heartbeat, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
        }
        catch (LinkLostException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Volatile.Write(ref _heartbeatInFlight, 0);
        }
    }

    private sealed class Outstanding(byte sequence)
    {
        public byte Sequence { get; } = sequence;

        public TaskCompletionSource<bool> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
