using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Threading.Channels;
using Iot.Device.Button;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;

namespace PortScanEdge.Devices.Gpio;

/// <summary>
/// <see cref="ILaneIo"/> over <see cref="GpioController"/>: outputs opened straight into their fail-safe level
/// (no glitch), inputs debounced with the injected <see cref="TimeProvider"/>, active-low applied, the operator
/// acknowledge button read with <see cref="GpioButton"/> (Iot.Device.Bindings). Fail-safe on start, on dispose,
/// on process exit and on an unhandled exception; what happens when the process is killed is the wiring's job
/// (hardware/wiring/lane-gpio.md).
/// </summary>
public sealed class LaneIo : ILaneIo, IDisposable
{
    private readonly GpioOptions _options;
    private readonly GpioController _controller;
    private readonly bool _shouldDispose;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HealthCell _health;
    private readonly Lock _gate = new();
    private readonly Dictionary<LaneInput, DebouncedInput> _inputs = [];
    private readonly Dictionary<LaneOutput, OutputPin> _outputs = [];
    private readonly Channel<LaneInputChanged> _changes = Channel.CreateUnbounded<LaneInputChanged>();
    private readonly GpioButton? _ackButton;
    private readonly EventHandler _onProcessExit;
    private readonly UnhandledExceptionEventHandler _onUnhandled;
    private bool _disposed;

    /// <summary>Opens the lane's pins on <paramref name="controller"/>; outputs first, each straight into its fail-safe level.</summary>
    /// <param name="options">Pins and driver.</param>
    /// <param name="controller">The controller (handed in, house style); disposed with this object when <paramref name="shouldDispose"/>.</param>
    /// <param name="shouldDispose">True to dispose the controller.</param>
    /// <param name="time">Clock for debouncing.</param>
    /// <param name="logger">Logger.</param>
    public LaneIo(GpioOptions options, GpioController controller, bool shouldDispose, TimeProvider time, ILogger<LaneIo>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _controller = controller;
        _shouldDispose = shouldDispose;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _health = new HealthCell(options.Id, DeviceKind.LaneIo, time);
        LanePinsOptions pins = options.Pins;
        try
        {
            // Outputs before inputs: the lane is safe before the gateway starts listening to it.
            AddOutput(LaneOutput.Barrier, pins.Barrier, activeDeEnergised: false);
            AddOutput(LaneOutput.LightRed, pins.LightRed, activeDeEnergised: true);
            AddOutput(LaneOutput.LightGreen, pins.LightGreen, activeDeEnergised: false);
            AddOutput(LaneOutput.Beacon, pins.Beacon, activeDeEnergised: false);
            AddOutput(LaneOutput.Buzzer, pins.Buzzer, activeDeEnergised: false);
            AddInput(LaneInput.EntryLoop, pins.EntryLoop);
            AddInput(LaneInput.ExitLoop, pins.ExitLoop);
            AddInput(LaneInput.LightCurtain, pins.LightCurtain);
            AddInput(LaneInput.Estop, pins.Estop);
            AddInput(LaneInput.Interlock, pins.Interlock);
            AddInput(LaneInput.RadiationAlarm, pins.RadiationAlarm);
            if (pins.OperatorAck is { } ack)
            {
                // GpioButton: the press is the release edge after a down edge; its own debounce ignores
                // re-presses for the debounce time (it must be at most a third of the double-press time).
                TimeSpan debounce = ack.Debounce > TimeSpan.FromMilliseconds(400) ? TimeSpan.FromMilliseconds(400) : ack.Debounce;
                _ackButton = new GpioButton(ack.Line, isPullUp: ack.ActiveLow, hasExternalResistor: true, _controller, shouldDispose: false, debounceTime: debounce);
                _ackButton.Press += (_, _) => OperatorAcknowledged?.Invoke(this, EventArgs.Empty);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            throw new LaneIoException($"{options.Id}: cannot open GPIO lines on gpiochip{options.Chip} ({options.Driver}): {ex.Message}", ex);
        }

        _onProcessExit = (_, _) => FailSafe("process exit");
        _onUnhandled = (_, _) => FailSafe("unhandled exception");
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
        AppDomain.CurrentDomain.UnhandledException += _onUnhandled;
        _health.Set(DeviceHealthState.Connected, string.Empty);
        Log.LaneIoStarted(_logger, options.Id, options.Chip, options.Driver.ToString());
    }

    /// <inheritdoc />
    public event EventHandler<DeviceHealth>? HealthChanged;

    /// <inheritdoc />
    public event EventHandler? OperatorAcknowledged;

    /// <summary>Raised on every debounced input change (also written to <see cref="InputChanges"/>).</summary>
    public event EventHandler<LaneInputChanged>? InputChanged;

    /// <inheritdoc />
    public string DeviceId => _options.Id;

    /// <inheritdoc />
    public DeviceHealth Health => _health.Current;

    /// <inheritdoc />
    public ChannelReader<LaneInputChanged> InputChanges => _changes.Reader;

    /// <summary>
    /// Creates the driver <paramref name="options"/> names (<c>libgpiod</c>, <c>libgpiodv2</c>, <c>sysfs</c>,
    /// <c>simulated</c>) and the lane I/O over it. <paramref name="simulated"/> is the simulated chip, for the
    /// simulation to drive, when the driver is <c>simulated</c>.
    /// </summary>
    public static LaneIo Create(GpioOptions options, TimeProvider time, ILogger<LaneIo>? logger, out SimulatedGpioDriver? simulated)
    {
        ArgumentNullException.ThrowIfNull(options);
        simulated = null;
        GpioDriver driver;
        try
        {
            driver = options.Driver switch
            {
                GpioDriverKind.Simulated => simulated = new SimulatedGpioDriver(),
                GpioDriverKind.Libgpiod => new LibGpiodDriver(options.Chip),
                GpioDriverKind.Sysfs => new SysFsDriver(),
                _ => new LibGpiodV2Driver(options.Chip),
            };
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or PlatformNotSupportedException or DllNotFoundException or GpiodException)
        {
            throw new LaneIoException($"{options.Id}: cannot open the {options.Driver} GPIO driver on gpiochip{options.Chip}: {ex.Message}", ex);
        }

        return new LaneIo(options, new GpioController(driver), shouldDispose: true, time, logger);
    }

    /// <inheritdoc />
    public bool Has(LaneInput input) => _inputs.ContainsKey(input);

    /// <inheritdoc />
    public bool Has(LaneOutput output) => _outputs.ContainsKey(output);

    /// <inheritdoc />
    public bool IsActive(LaneInput input) => _inputs.TryGetValue(input, out DebouncedInput? pin) && pin.Active;

    /// <inheritdoc />
    public bool SetOutput(LaneOutput output, bool active)
    {
        if (!_outputs.TryGetValue(output, out OutputPin? pin))
        {
            return false;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WriteLocked(pin, active);
        }

        return true;
    }

    /// <inheritdoc />
    public bool GetOutput(LaneOutput output)
    {
        lock (_gate)
        {
            return _outputs.TryGetValue(output, out OutputPin? pin) ? pin.Active : output == LaneOutput.LightRed;
        }
    }

    /// <inheritdoc />
    public void FailSafe(string why)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            foreach (OutputPin pin in _outputs.Values)
            {
                try
                {
                    WriteLocked(pin, pin.ActiveDeEnergised);
                }
                catch (LaneIoException)
                {
                    // Keep going: every other output still goes safe.
                }
            }
        }

        Log.FailSafe(_logger, DeviceId, why);
    }

    /// <summary>Forces the fail-safe states, releases the lines and (if owned) the controller.</summary>
    public void Dispose()
    {
        FailSafe("shutdown");
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        AppDomain.CurrentDomain.UnhandledException -= _onUnhandled;
        _ackButton?.Dispose();
        foreach (DebouncedInput input in _inputs.Values)
        {
            input.Dispose();
            _controller.UnregisterCallbackForPinValueChangedEvent(input.Line, input.OnEdge);
            _controller.ClosePin(input.Line);
        }

        foreach (OutputPin output in _outputs.Values)
        {
            _controller.ClosePin(output.Line);
        }

        if (_shouldDispose)
        {
            _controller.Dispose();
        }

        _changes.Writer.TryComplete();
        SetHealth(DeviceHealthState.Stopped, "stopped");
    }

    private void AddOutput(LaneOutput output, GpioPinOptions? options, bool activeDeEnergised)
    {
        if (options is null)
        {
            return;
        }

        var pin = new OutputPin(output, options.Line, options.ActiveLow, activeDeEnergised);
        pin.Active = activeDeEnergised;
        _controller.OpenPin(options.Line, PinMode.Output, pin.Level(energised: false));
        _outputs[output] = pin;
    }

    private void AddInput(LaneInput input, GpioPinOptions? options)
    {
        if (options is null)
        {
            return;
        }

        // Inputs use the field wiring's own pull resistors (hardware/wiring/lane-gpio.md), so no internal pull.
        _controller.OpenPin(options.Line, PinMode.Input);
        var pin = new DebouncedInput(this, input, options.Line, options.ActiveLow, options.Debounce);
        pin.Initialise(_controller.Read(options.Line));
        _controller.RegisterCallbackForPinValueChangedEvent(options.Line, PinEventTypes.Rising | PinEventTypes.Falling, pin.OnEdge);
        _inputs[input] = pin;
    }

    private void WriteLocked(OutputPin pin, bool active)
    {
        bool energised = active != pin.ActiveDeEnergised;
        try
        {
            _controller.Write(pin.Line, pin.Level(energised));
            pin.Active = active;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            string reason = $"cannot drive {pin.Output} (line {pin.Line}): {ex.Message}";
            SetHealth(DeviceHealthState.Faulted, reason);
            throw new LaneIoException(reason, ex);
        }
    }

    private void Raise(LaneInput input, bool active)
    {
        var change = new LaneInputChanged(DeviceId, input, active, _time.GetUtcNow());
        Log.InputChanged(_logger, DeviceId, input.ToString(), active ? "active" : "inactive");
        _changes.Writer.TryWrite(change);
        InputChanged?.Invoke(this, change);
    }

    private void SetHealth(DeviceHealthState state, string reason)
    {
        DeviceHealth? changed = _health.Set(state, reason);
        if (changed is not null)
        {
            HealthChanged?.Invoke(this, changed);
        }
    }

    private sealed class OutputPin(LaneOutput output, int line, bool activeLow, bool activeDeEnergised)
    {
        public LaneOutput Output { get; } = output;

        public int Line { get; } = line;

        /// <summary>True when the output's meaning is "active" with the relay de-energised (the red light).</summary>
        public bool ActiveDeEnergised { get; } = activeDeEnergised;

        public bool Active { get; set; }

        /// <summary>Pin level that (de-)energises the relay: active-low relay boards energise on LOW.</summary>
        public PinValue Level(bool energised) => energised != activeLow ? PinValue.High : PinValue.Low;
    }

    /// <summary>
    /// One input's debouncer: every raw edge (re)starts a one-shot timer of the debounce time; when it fires the
    /// last raw level is the new state if it differs. Bounce shorter than the debounce time is never seen.
    /// </summary>
    private sealed class DebouncedInput : IDisposable
    {
        private readonly LaneIo _owner;
        private readonly LaneInput _input;
        private readonly bool _activeLow;
        private readonly TimeSpan _debounce;
        private readonly Lock _gate = new();
        private ITimer? _timer;
        private PinValue _raw;
        private bool _active;

        public DebouncedInput(LaneIo owner, LaneInput input, int line, bool activeLow, TimeSpan debounce)
        {
            _owner = owner;
            _input = input;
            Line = line;
            _activeLow = activeLow;
            _debounce = debounce;
            OnEdge = Edge;
        }

        public int Line { get; }

        public PinChangeEventHandler OnEdge { get; }

        public bool Active
        {
            get
            {
                lock (_gate)
                {
                    return _active;
                }
            }
        }

        public void Initialise(PinValue level)
        {
            lock (_gate)
            {
                _raw = level;
                _active = IsActive(level);
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }

        private bool IsActive(PinValue level) => (level == PinValue.High) != _activeLow;

        private void Edge(object sender, PinValueChangedEventArgs e)
        {
            lock (_gate)
            {
                _raw = e.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low;
                if (_debounce > TimeSpan.Zero)
                {
                    _timer ??= _owner._time.CreateTimer(static s => ((DebouncedInput)s!).Settle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
                    return;
                }
            }

            Settle();
        }

        private void Settle()
        {
            bool changed;
            bool active;
            lock (_gate)
            {
                active = IsActive(_raw);
                changed = active != _active;
                _active = active;
            }

            if (changed)
            {
                _owner.Raise(_input, active);
            }
        }
    }
}
