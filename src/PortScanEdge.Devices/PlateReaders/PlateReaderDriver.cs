using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.Serial;

namespace PortScanEdge.Devices.PlateReaders;

/// <summary>A licence-plate or container-code reader, as the lane uses it.</summary>
public interface IPlateReader : IDeviceHealthSource
{
    /// <summary>Front or rear.</summary>
    PlateReaderPosition Position { get; }

    /// <summary>
    /// New reads (repeats within the de-duplication window removed), best candidate first. One consumer; bounded to
    /// 256 reads, dropping the oldest when nobody reads (a stale plate is worth less than a fresh one).
    /// </summary>
    ChannelReader<PlateRead> Reads { get; }

    /// <summary>Counters so far.</summary>
    PlateReadStatistics Statistics { get; }
}

/// <summary>
/// Reads a plate reader's serial line (hardware/protocols/plate-readers.md): one reader loop, records framed and
/// parsed per the configured format, reads handed on as <see cref="PlateRead"/>s; reopens the port with back-off when
/// it disappears. Plate readers have no handshake: "connected" means the port is open.
/// </summary>
public sealed class PlateReaderDriver : IPlateReader, IAsyncDisposable
{
    private readonly PlateReaderOptions _options;
    private readonly ISerialTransportFactory _transports;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HealthCell _health;
    private readonly PlateReadProcessor _processor;
    private readonly Channel<PlateRead> _reads = Channel.CreateBounded<PlateRead>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly RateLimitedCounter _badInput;
    private readonly Action<PlateRead> _sink;
    private Task _supervisor = Task.CompletedTask;

    /// <summary>Creates the driver; call <see cref="Start"/>.</summary>
    public PlateReaderDriver(PlateReaderOptions options, ISerialTransportFactory transports, TimeProvider time, ILogger<PlateReaderDriver>? logger = null)
    {
        _options = options;
        _transports = transports;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _health = new HealthCell(options.Id, DeviceKind.PlateReader, time);
        _processor = new PlateReadProcessor(options, time) { BadRecord = OnBadRecord };
        _badInput = new RateLimitedCounter(time, TimeSpan.FromSeconds(10));
        _sink = OnRead;
    }

    /// <inheritdoc />
    public event EventHandler<DeviceHealth>? HealthChanged;

    /// <inheritdoc />
    public string DeviceId => _options.Id;

    /// <inheritdoc />
    public DeviceHealth Health => _health.Current;

    /// <inheritdoc />
    public PlateReaderPosition Position => _options.Position;

    /// <inheritdoc />
    public ChannelReader<PlateRead> Reads => _reads.Reader;

    /// <inheritdoc />
    public PlateReadStatistics Statistics => _processor.Statistics;

    /// <summary>Starts reading in the background.</summary>
    public void Start() => _supervisor = Task.Run(SuperviseAsync);

    /// <summary>Stops and closes the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _supervisor.ConfigureAwait(false);
        SetHealth(DeviceHealthState.Stopped, "stopped");
        _reads.Writer.TryComplete();
        Log.Stopped(_logger, DeviceId);
    }

    private async Task SuperviseAsync()
    {
        CancellationToken stop = _stop.Token;
        TimeSpan backoff = _options.Serial.ReconnectBackoffInitial;
        while (!stop.IsCancellationRequested)
        {
            string reason;
            try
            {
                ISerialTransport transport = _transports.Open(_options.Serial);
                await using (transport.ConfigureAwait(false))
                {
                    backoff = _options.Serial.ReconnectBackoffInitial;
                    SetHealth(DeviceHealthState.Connected, string.Empty);
                    reason = await ReadLoopAsync(transport.Input, stop).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                reason = $"cannot open {_options.Serial.Port}: {ex.Message}";
            }

            if (stop.IsCancellationRequested)
            {
                return;
            }

            SetHealth(Health.State == DeviceHealthState.Starting ? DeviceHealthState.Starting : DeviceHealthState.Reconnecting, reason);
            Log.LinkLost(_logger, DeviceId, reason, (long)backoff.TotalMilliseconds);
            try
            {
                await Task.Delay(backoff, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            TimeSpan doubled = backoff * 2;
            backoff = doubled > _options.Serial.ReconnectBackoffMax ? _options.Serial.ReconnectBackoffMax : doubled;
        }
    }

    private async Task<string> ReadLoopAsync(PipeReader input, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(stop).ConfigureAwait(false);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    _processor.Feed(segment.Span, _sink);
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return $"{_options.Serial.Port} closed (end of input)";
                }
            }
        }
        catch (OperationCanceledException)
        {
            return "stopped";
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }

    private void OnRead(PlateRead read)
    {
        PlateCandidate best = read.Best;
        string note = best.Container is { } c ? (c.CheckDigitValid ? ", ISO 6346 container code" : $", ISO 6346 check digit wrong (expected {c.ExpectedCheckDigit})") : string.Empty;
        Log.PlateRead(_logger, DeviceId, best.Text, best.Confidence, read.Position.ToString(), note);
        _reads.Writer.TryWrite(read);
    }

    private void OnBadRecord(string problem)
    {
        long count = _badInput.Hit();
        if (count > 0)
        {
            Log.BadInput(_logger, DeviceId, count, problem);
        }
    }

    private void SetHealth(DeviceHealthState state, string reason)
    {
        DeviceHealth? changed = _health.Set(state, reason);
        if (changed is not null)
        {
            HealthChanged?.Invoke(this, changed);
        }
    }
}
