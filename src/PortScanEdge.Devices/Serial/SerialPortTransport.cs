using System.IO.Pipelines;
using System.IO.Ports;
using System.Reflection;
using System.Runtime.InteropServices;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Devices.Serial;

/// <summary>
/// A serial line opened with <see cref="SerialPort"/> (which sets baud, parity, data and stop bits and handshake
/// exactly as in production), read by one reader loop into a <see cref="Pipe"/>.
/// <list type="bullet">
/// <item><see cref="SerialIoMode.Poll"/> (default on Linux): the reader waits in <c>poll(2)</c> on the port's own
/// descriptor; no CPU while idle.</item>
/// <item><see cref="SerialIoMode.Stream"/>: reads <see cref="SerialPort.BaseStream"/> with <c>ReadAsync</c>; portable,
/// but on Unix System.IO.Ports services every pending read with a 1 ms polling loop (hardware/README.md, "Idle CPU").</item>
/// </list>
/// <see cref="SerialPort.DataReceived"/> is never used.
/// </summary>
public sealed class SerialPortTransport : ISerialTransport
{
    private readonly SerialPort _port;
    private readonly FdPump? _pump;
    private readonly SafeHandle? _handle;
    private readonly Stream? _stream;
    private readonly Pipe? _streamPipe;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task? _streamReader;
    private bool _disposed;

    private SerialPortTransport(SerialPort port, SerialIoMode mode)
    {
        _port = port;
        PortName = port.PortName;
        Baud = port.BaudRate;
        if (mode == SerialIoMode.Poll && OperatingSystem.IsLinux() && TryGetHandle(port, out SafeHandle? handle))
        {
            bool added = false;
            handle.DangerousAddRef(ref added);
            _handle = handle;
            _pump = new FdPump((int)handle.DangerousGetHandle(), port.PortName);
            EffectiveMode = SerialIoMode.Poll;
            return;
        }

        _stream = port.BaseStream;
        _streamPipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        _streamReader = Task.Run(() => StreamReadLoopAsync(_stream, _streamPipe.Writer, _stop.Token));
        EffectiveMode = SerialIoMode.Stream;
    }

    /// <inheritdoc />
    public string PortName { get; }

    /// <inheritdoc />
    public int Baud { get; }

    /// <summary>The mode in use (Poll falls back to Stream off Linux or when the port's descriptor cannot be reached).</summary>
    public SerialIoMode EffectiveMode { get; }

    /// <inheritdoc />
    public PipeReader Input => _pump?.Input ?? _streamPipe!.Reader;

    /// <summary>Opens <paramref name="options"/>.Port with its line settings.</summary>
    public static SerialPortTransport Open(SerialOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var port = new SerialPort(options.Port, options.Baud, MapParity(options.Parity), options.DataBits, MapStopBits(options.StopBits))
        {
            Handshake = MapHandshake(options.Handshake),
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = 1000,
            ReadBufferSize = 16 * 1024,
        };
        try
        {
            port.Open();
            if (options.Rs485 && options.Handshake is SerialHandshake.None or SerialHandshake.XonXoff)
            {
                // Half duplex: the adapter's RS-485 mode (kernel TIOCSRS485 or automatic) drives transmit enable;
                // RTS is left asserted for adapters that key on it.
                port.RtsEnable = true;
            }

            return new SerialPortTransport(port, options.Io);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pump is not null)
        {
            _pump.Write(data.Span);
            return ValueTask.CompletedTask;
        }

        return _stream!.WriteAsync(data, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            await _pump.DisposeAsync().ConfigureAwait(false);
            _handle!.DangerousRelease();
        }

        try
        {
            // Disposing the port unblocks a pending BaseStream read.
            _port.Dispose();
        }
        catch (IOException)
        {
            // Closing a port whose device vanished may fail; the descriptor is released either way.
        }

        if (_streamReader is not null)
        {
            await _streamReader.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private static async Task StreamReadLoopAsync(Stream stream, PipeWriter writer, CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Memory<byte> memory = writer.GetMemory(4096);
                int n = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    error = new IOException("the device reported end of file (closed or unplugged)");
                    break;
                }

                writer.Advance(n);
                FlushResult result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            error = cancellationToken.IsCancellationRequested ? null : new IOException($"serial read failed: {ex.Message}", ex);
        }
        finally
        {
            await writer.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reaches the descriptor System.IO.Ports opened (its internal <c>SerialStream._handle</c>). Pinned by the
    /// package version in Directory.Packages.props and guarded by a test; when it is not found the transport falls
    /// back to <see cref="SerialIoMode.Stream"/>.
    /// </summary>
    internal static bool TryGetHandle(SerialPort port, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeHandle? handle)
    {
        handle = null;
        try
        {
            Stream stream = port.BaseStream;
            FieldInfo? field = stream.GetType().GetField("_handle", BindingFlags.Instance | BindingFlags.NonPublic);
            handle = field?.GetValue(stream) as SafeHandle;
            return handle is { IsInvalid: false, IsClosed: false };
        }
        catch (Exception ex) when (ex is InvalidOperationException or FieldAccessException or TargetException)
        {
            return false;
        }
    }

    private static Parity MapParity(SerialParity parity) => parity switch
    {
        SerialParity.Odd => Parity.Odd,
        SerialParity.Even => Parity.Even,
        SerialParity.Mark => Parity.Mark,
        SerialParity.Space => Parity.Space,
        _ => Parity.None,
    };

    private static StopBits MapStopBits(SerialStopBits stopBits) => stopBits switch
    {
        SerialStopBits.OnePointFive => StopBits.OnePointFive,
        SerialStopBits.Two => StopBits.Two,
        _ => StopBits.One,
    };

    private static Handshake MapHandshake(SerialHandshake handshake) => handshake switch
    {
        SerialHandshake.XonXoff => Handshake.XOnXOff,
        SerialHandshake.RtsCts => Handshake.RequestToSend,
        SerialHandshake.RtsCtsXonXoff => Handshake.RequestToSendXOnXOff,
        _ => Handshake.None,
    };
}

/// <summary>Opens <see cref="SerialPortTransport"/>s.</summary>
public sealed class SerialPortTransportFactory : ISerialTransportFactory
{
    /// <inheritdoc />
    public ISerialTransport Open(SerialOptions options) => SerialPortTransport.Open(options);
}
