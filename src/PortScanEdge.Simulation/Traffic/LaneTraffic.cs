using System.Device.Gpio;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Gpio;
using PortScanEdge.Devices.PlateReaders;
using PortScanEdge.Simulation.Emulators;

namespace PortScanEdge.Simulation.Traffic;

/// <summary>Counters of generated traffic (thread-safe reads).</summary>
public sealed class TrafficStatistics
{
    private long _vehicles;
    private long _concealments;
    private long _hotlist;
    private long _faults;

    /// <summary>Vehicles sent into the lane.</summary>
    public long Vehicles => Interlocked.Read(ref _vehicles);

    /// <summary>Vehicles carrying a concealment.</summary>
    public long Concealments => Interlocked.Read(ref _concealments);

    /// <summary>Vehicles with a hotlisted plate.</summary>
    public long HotlistPlates => Interlocked.Read(ref _hotlist);

    /// <summary>Device faults injected.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    internal void Count(bool concealment, bool hotlist, bool fault)
    {
        Interlocked.Increment(ref _vehicles);
        if (concealment)
        {
            Interlocked.Increment(ref _concealments);
        }

        if (hotlist)
        {
            Interlocked.Increment(ref _hotlist);
        }

        if (fault)
        {
            Interlocked.Increment(ref _faults);
        }
    }
}

/// <summary>
/// Drives one simulated lane the way traffic would: a vehicle every few seconds rolls over the entry loop
/// (with contact bounce), the plate readers read it, the scanner scans it (a synthetic radiograph, sometimes with
/// a concealment), and once the barrier opens it drives over the exit loop. Some plates are on the hotlist; now
/// and then a device fault is injected. Talks to the gateway only through the simulated GPIO chip and the
/// emulators on their pseudo-terminals — exactly the surfaces real hardware presents.
/// </summary>
public sealed class LaneTraffic
{
    private static readonly string[] Letters = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "U", "V", "W", "X", "Y", "Z"];
    private readonly LaneOptions _lane;
    private readonly LanePinsOptions _pins;
    private readonly SimulatedGpioDriver _gpio;
    private readonly IReadOnlyList<(PlateReaderEmulator Emulator, PlateReaderPosition Position)> _readers;
    private readonly ScannerEmulator? _scanner;
    private readonly string _scannerId;
    private readonly SyntheticScanImageSource _images;
    private readonly SimulationOptions _simulation;
    private readonly IReadOnlyList<string> _hotlist;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly TaskCompletionSource _barrierOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _barrierOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the traffic of one lane.</summary>
    /// <param name="lane">The lane.</param>
    /// <param name="pins">The lane's GPIO pins.</param>
    /// <param name="gpio">The simulated GPIO chip of the lane's I/O block.</param>
    /// <param name="readers">The lane's plate-reader emulators with their positions.</param>
    /// <param name="scannerId">The lane's scanner device id.</param>
    /// <param name="scanner">The lane's scanner emulator (for fault injection), if emulated.</param>
    /// <param name="images">Where vehicle radiographs are planned.</param>
    /// <param name="simulation">Rates and interval.</param>
    /// <param name="hotlist">Plates on the hotlist, to send some of them through.</param>
    /// <param name="time">Clock for the delays.</param>
    /// <param name="seed">Random seed (the lane index is mixed in by the caller).</param>
    public LaneTraffic(
        LaneOptions lane,
        LanePinsOptions pins,
        SimulatedGpioDriver gpio,
        IReadOnlyList<(PlateReaderEmulator Emulator, PlateReaderPosition Position)> readers,
        string scannerId,
        ScannerEmulator? scanner,
        SyntheticScanImageSource images,
        SimulationOptions simulation,
        IReadOnlyList<string> hotlist,
        TimeProvider time,
        int seed)
    {
        _lane = lane ?? throw new ArgumentNullException(nameof(lane));
        _pins = pins ?? throw new ArgumentNullException(nameof(pins));
        _gpio = gpio ?? throw new ArgumentNullException(nameof(gpio));
        _readers = readers ?? throw new ArgumentNullException(nameof(readers));
        _scanner = scanner;
        _scannerId = scannerId ?? throw new ArgumentNullException(nameof(scannerId));
        _images = images ?? throw new ArgumentNullException(nameof(images));
        _simulation = simulation ?? throw new ArgumentNullException(nameof(simulation));
        _hotlist = hotlist ?? [];
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _random = new Random(seed);
        _ = _barrierOpened;
        if (_pins.Barrier is { } barrier)
        {
            _gpio.OutputChanged += (_, change) =>
            {
                if (change.Pin == barrier.Line && ((change.Value == PinValue.High) != barrier.ActiveLow))
                {
                    _barrierOpen.TrySetResult();
                }
            };
        }
    }

    /// <summary>What has been generated so far.</summary>
    public TrafficStatistics Statistics { get; } = new();

    /// <summary>Longest a generated vehicle waits at a closed barrier before it gives up and the next one comes.</summary>
    public TimeSpan MaxWaitAtBarrier { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Puts every input of a simulated lane in its idle state: loops free, e-stop released, interlock closed, no alarm.</summary>
    public static void SetIdleInputs(SimulatedGpioDriver gpio, LanePinsOptions pins)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(pins);
        void Set(GpioPinOptions? pin, bool active)
        {
            if (pin is not null)
            {
                gpio.DriveInput(pin.Line, active != pin.ActiveLow ? PinValue.High : PinValue.Low);
            }
        }

        Set(pins.EntryLoop, false);
        Set(pins.ExitLoop, false);
        Set(pins.LightCurtain, false);
        Set(pins.Estop, false);
        Set(pins.Interlock, true);
        Set(pins.RadiationAlarm, false);
    }

    /// <summary>Sends vehicles until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Give the gateway a moment to open its ports before the first vehicle.
        await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            await RunVehicleAsync(cancellationToken).ConfigureAwait(false);

            // Exponential gaps around the configured mean, never less than a second: traffic arrives in bursts.
            var mean = _simulation.VehicleInterval.TotalSeconds;
            var gap = Math.Max(1.0, -Math.Log(1 - _random.NextDouble()) * mean);
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(gap, mean * 4)), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one vehicle through the lane and returns once it has left (or given up waiting).</summary>
    public async Task RunVehicleAsync(CancellationToken cancellationToken)
    {
        var concealment = _random.NextDouble() < _simulation.AnomalyRate;
        var onHotlist = _hotlist.Count > 0 && _random.NextDouble() < _simulation.HotlistRate;
        var fault = _random.NextDouble() < _simulation.FaultRate;
        var plate = onHotlist ? _hotlist[_random.Next(_hotlist.Count)] : RandomPlate();
        var container = ContainerCode();
        Statistics.Count(concealment, onHotlist, fault);

        if (_scanner is not null)
        {
            _images.Plan(_scannerId, new VehiclePlan(_random.NextInt64(1, long.MaxValue / 2), concealment));
            if (fault)
            {
                InjectFault(_scanner);
            }
        }

        _barrierOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await DriveAsync(_pins.EntryLoop, active: true, cancellationToken).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMilliseconds(300), _time, cancellationToken).ConfigureAwait(false);
        foreach (var (emulator, position) in _readers)
        {
            var text = position == PlateReaderPosition.Rear && _random.NextDouble() < 0.5 ? container : plate;
            var confidence = 80 + _random.NextDouble() * 19;
            await emulator.EmitAsync(text, confidence, [(Confuse(text), confidence - 15)]).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(800), _time, cancellationToken).ConfigureAwait(false);
        await DriveAsync(_pins.EntryLoop, active: false, cancellationToken).ConfigureAwait(false);

        try
        {
            await _barrierOpen.Task.WaitAsync(MaxWaitAtBarrier, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(700), _time, cancellationToken).ConfigureAwait(false);
        await DriveAsync(_pins.ExitLoop, active: true, cancellationToken).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMilliseconds(1200), _time, cancellationToken).ConfigureAwait(false);
        await DriveAsync(_pins.ExitLoop, active: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task DriveAsync(GpioPinOptions? pin, bool active, CancellationToken cancellationToken)
    {
        if (pin is null)
        {
            return;
        }

        var level = active != pin.ActiveLow ? PinValue.High : PinValue.Low;

        // A few contact bounces, shorter than the debounce time, as a real loop detector relay makes.
        var interval = TimeSpan.FromMilliseconds(Math.Max(1, pin.Debounce.TotalMilliseconds / 8));
        await _gpio.DriveWithBounceAsync(pin.Line, level, bounces: 3, interval, _time, cancellationToken).ConfigureAwait(false);
    }

    private void InjectFault(ScannerEmulator scanner)
    {
        switch (_random.Next(3))
        {
            case 0:
                scanner.Faults.HashMismatch();
                break;
            case 1:
                scanner.Faults.InjectGarbage(1);
                break;
            default:
                scanner.Faults.CorruptCrc(1);
                break;
        }
    }

    private string RandomPlate() =>
        $"{Letters[_random.Next(Letters.Length)]}{Letters[_random.Next(Letters.Length)]}{Letters[_random.Next(Letters.Length)]}{_random.Next(1000, 9999)}";

    private string Confuse(string text)
    {
        var chars = text.ToCharArray();
        var i = _random.Next(chars.Length);
        chars[i] = chars[i] switch { '0' => 'O', 'O' => '0', '8' => 'B', 'B' => '8', '1' => 'I', _ => chars[i] };
        return new string(chars);
    }

    private string ContainerCode()
    {
        // ISO 6346: owner code (3 letters) + category U + 6-digit serial + mod-11 check digit.
        var owner = $"{Letters[_random.Next(Letters.Length)]}{Letters[_random.Next(Letters.Length)]}{Letters[_random.Next(Letters.Length)]}U";
        var serial = _random.Next(0, 999_999).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var code = owner + serial;
        return code + Iso6346.ComputeCheckDigit(code).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
