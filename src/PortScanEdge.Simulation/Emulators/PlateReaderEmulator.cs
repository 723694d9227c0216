using System.Globalization;
using System.Text;
using System.Text.Json;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Simulation.Pty;

namespace PortScanEdge.Simulation.Emulators;

/// <summary>Settings of an emulated plate reader.</summary>
public sealed class PlateReaderEmulatorOptions
{
    /// <summary>Device id.</summary>
    public string Id { get; set; } = "lpr-front";

    /// <summary>Stable path of the emulated port (a symbolic link to the pty), or null for the bare /dev/pts name.</summary>
    public string? LinkPath { get; set; }

    /// <summary>Record format (hardware/protocols/plate-readers.md).</summary>
    public PlateReaderFormat Format { get; set; } = PlateReaderFormat.OpenalprJson;

    /// <summary>Record layout for the template and STX/ETX formats.</summary>
    public string Template { get; set; } = "%PLATE%,%CONF%";
}

/// <summary>
/// The device side of a plate reader on a real pseudo-terminal: emits reads in the configured format, and bad input
/// on demand (garbage, wrong-format records, oversized and truncated records, repeats, disconnects).
/// </summary>
public sealed class PlateReaderEmulator : IAsyncDisposable
{
    private readonly PlateReaderEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private PseudoTerminal? _pty;

    /// <summary>Creates the emulator; call <see cref="Start"/>.</summary>
    public PlateReaderEmulator(PlateReaderEmulatorOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The path the gateway should open.</summary>
    public string DevicePath => _options.LinkPath ?? _pty?.SubordinatePath ?? throw new InvalidOperationException("not started");

    /// <summary>Records written so far.</summary>
    public long RecordsSent { get; private set; }

    /// <summary>Opens the pseudo-terminal.</summary>
    public void Start() => _pty = PseudoTerminal.Open(_options.LinkPath);

    /// <summary>Emits one read: the plate, its confidence (percent) and, for JSON, further candidates.</summary>
    public Task EmitAsync(string plate, double confidence, IReadOnlyList<(string Plate, double Confidence)>? candidates = null) =>
        WriteAsync(Format(plate, confidence, candidates));

    /// <summary>Formats one read as this reader would send it.</summary>
    public byte[] Format(string plate, double confidence, IReadOnlyList<(string Plate, double Confidence)>? candidates = null)
    {
        switch (_options.Format)
        {
            case PlateReaderFormat.OpenalprJson:
            {
                var all = new List<object> { new { plate, confidence } };
                foreach ((string p, double c) in candidates ?? [])
                {
                    all.Add(new { plate = p, confidence = c });
                }

                string json = JsonSerializer.Serialize(new { version = 2, data_type = "alpr_results", results = new[] { new { plate, confidence, candidates = all } } });
                return Encoding.ASCII.GetBytes(json + "\n");
            }

            case PlateReaderFormat.StxEtx:
                return [0x02, .. Encoding.ASCII.GetBytes(FillTemplate(plate, confidence)), 0x03];
            default:
                return Encoding.ASCII.GetBytes(FillTemplate(plate, confidence) + "\r\n");
        }
    }

    /// <summary>Writes bytes as they are (garbage, broken records).</summary>
    public async Task WriteAsync(byte[] bytes)
    {
        PseudoTerminal pty = _pty ?? throw new InvalidOperationException("not started");
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            pty.Write(bytes);
            RecordsSent++;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes <paramref name="count"/> random bytes.</summary>
    public Task InjectGarbageAsync(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return WriteAsync(bytes);
    }

    /// <summary>Writes a record in the wrong format for this reader.</summary>
    public Task SendWrongFormatAsync() => WriteAsync(_options.Format switch
    {
        PlateReaderFormat.StxEtx => [0x02, .. "this is not a plate record!"u8, 0x03],
        _ => "this is not a plate record!\r\n"u8.ToArray(),
    });

    /// <summary>Writes a record longer than any reader may send.</summary>
    public Task SendOversizedAsync() => WriteAsync(_options.Format switch
    {
        PlateReaderFormat.StxEtx => [0x02, .. Enumerable.Repeat((byte)'A', 20_000), 0x03],
        _ => [.. Enumerable.Repeat((byte)'A', 20_000), (byte)'\n'],
    });

    /// <summary>Writes the first half of a read's record, cut off.</summary>
    public Task SendTruncatedAsync(string plate, double confidence)
    {
        byte[] full = Format(plate, confidence);
        return WriteAsync(full[..(full.Length / 2)]);
    }

    /// <summary>Closes the pty (the gateway sees a hang-up) and opens a new one under the same stable name after <paramref name="downFor"/>.</summary>
    public async Task DisconnectAsync(TimeSpan downFor)
    {
        PseudoTerminal? old = _pty;
        if (old is not null)
        {
            await old.DisposeAsync().ConfigureAwait(false);
        }

        await Task.Delay(downFor, _time).ConfigureAwait(false);
        _pty = PseudoTerminal.Open(_options.LinkPath);
    }

    /// <summary>Closes the pty.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_pty is not null)
        {
            await _pty.DisposeAsync().ConfigureAwait(false);
            _pty.RemoveLink();
        }

        _writeLock.Dispose();
    }

    private string FillTemplate(string plate, double confidence) =>
        _options.Template
            .Replace("%PLATE%", plate, StringComparison.Ordinal)
            .Replace("%CONF%", confidence.ToString("0.0", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%SKIP%", "x", StringComparison.Ordinal)
            .TrimEnd('\r', '\n');
}
