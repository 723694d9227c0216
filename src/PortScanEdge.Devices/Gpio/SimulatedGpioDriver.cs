using System.Device.Gpio;

namespace PortScanEdge.Devices.Gpio;

/// <summary>An output pin changed level (simulation side).</summary>
/// <param name="Pin">The line number.</param>
/// <param name="Value">The new level.</param>
public readonly record struct SimulatedOutputChange(int Pin, PinValue Value);

/// <summary>
/// A <see cref="GpioDriver"/> with no hardware behind it, so the production <see cref="GpioController"/> code path runs
/// in development and tests. The simulation side drives input levels (with contact bounce if asked) and observes
/// output levels. Edge callbacks run synchronously on the thread that drives the input, which lets a test with a
/// <c>FakeTimeProvider</c> step through debouncing deterministically. Thread-safe.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, SimulatedPin> _pins = [];
    private readonly int _pinCount;

    /// <summary>Creates a chip with <paramref name="pinCount"/> lines.</summary>
    public SimulatedGpioDriver(int pinCount = 64)
    {
        _pinCount = pinCount;
    }

    /// <summary>Raised when an output pin's level changes.</summary>
    public event EventHandler<SimulatedOutputChange>? OutputChanged;

    /// <inheritdoc />
    protected override int PinCount => _pinCount;

    // ---- simulation side ----

    /// <summary>Sets the level the outside world puts on <paramref name="pin"/>, raising edge callbacks on a change.</summary>
    public void DriveInput(int pin, PinValue level)
    {
        List<(PinEventTypes Types, PinChangeEventHandler Handler)> toCall;
        PinEventTypes edge;
        lock (_gate)
        {
            SimulatedPin state = GetOrAdd(pin);
            state.External = level;
            PinValue before = state.Level;
            state.Level = EffectiveInputLevel(state);
            if (before == state.Level || !state.IsOpen || IsOutput(state.Mode))
            {
                return;
            }

            edge = state.Level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            toCall = [.. state.Callbacks];
            foreach (var waiter in state.Waiters.Where(w => (w.Types & edge) != 0).ToList())
            {
                waiter.Done.TrySetResult(edge);
                state.Waiters.Remove(waiter);
            }
        }

        var args = new PinValueChangedEventArgs(edge, pin);
        foreach ((PinEventTypes types, PinChangeEventHandler handler) in toCall)
        {
            if ((types & edge) != 0)
            {
                handler(this, args);
            }
        }
    }

    /// <summary>
    /// Drives a contact closing or opening with bounce: <paramref name="bounces"/> quick toggles ending at
    /// <paramref name="final"/>, all at the current instant (a debouncer must see them as one change).
    /// </summary>
    public void DriveWithBounce(int pin, PinValue final, int bounces)
    {
        PinValue other = final == PinValue.High ? PinValue.Low : PinValue.High;
        for (int i = 0; i < bounces; i++)
        {
            DriveInput(pin, final);
            DriveInput(pin, other);
        }

        DriveInput(pin, final);
    }

    /// <summary>
    /// Drives bounce spread over time: toggles every <paramref name="interval"/> of <paramref name="time"/>, then settles.
    /// </summary>
    public async Task DriveWithBounceAsync(int pin, PinValue final, int bounces, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        PinValue other = final == PinValue.High ? PinValue.Low : PinValue.High;
        for (int i = 0; i < bounces; i++)
        {
            DriveInput(pin, final);
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            DriveInput(pin, other);
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }

        DriveInput(pin, final);
    }

    /// <summary>The level on <paramref name="pin"/> as the outside sees it (an output's written level).</summary>
    public PinValue GetLevel(int pin)
    {
        lock (_gate)
        {
            return GetOrAdd(pin).Level;
        }
    }

    /// <summary>True when the gateway has <paramref name="pin"/> open.</summary>
    public bool IsOpen(int pin)
    {
        lock (_gate)
        {
            return _pins.TryGetValue(pin, out SimulatedPin? state) && state.IsOpen;
        }
    }

    /// <summary>The mode the gateway set on <paramref name="pin"/>.</summary>
    public PinMode GetMode(int pin)
    {
        lock (_gate)
        {
            return GetOrAdd(pin).Mode;
        }
    }

    // ---- GpioDriver ----

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber)
    {
        CheckPin(pinNumber);
        lock (_gate)
        {
            SimulatedPin state = GetOrAdd(pinNumber);
            state.IsOpen = true;
            state.Level = EffectiveInputLevel(state);
        }
    }

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            if (_pins.TryGetValue(pinNumber, out SimulatedPin? state))
            {
                state.IsOpen = false;
                state.Callbacks.Clear();

                // A released line stops driving: it floats to what the outside (pull resistors) puts on it.
                state.Mode = PinMode.Input;
                state.Level = EffectiveInputLevel(state);
            }
        }
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate)
        {
            SimulatedPin state = GetOrAdd(pinNumber);
            state.Mode = mode;
            if (!IsOutput(mode))
            {
                state.Level = EffectiveInputLevel(state);
            }
        }
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        // Output with an initial value: the level is set before the pin drives, so there is no glitch.
        lock (_gate)
        {
            SimulatedPin state = GetOrAdd(pinNumber);
            if (IsOutput(mode))
            {
                state.Written = initialValue;
                state.Level = initialValue;
            }
        }

        SetPinMode(pinNumber, mode);
        if (IsOutput(mode))
        {
            OutputChanged?.Invoke(this, new SimulatedOutputChange(pinNumber, initialValue));
        }
    }

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            return GetOrAdd(pinNumber).Mode;
        }
    }

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => pinNumber >= 0 && pinNumber < _pinCount;

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber)
    {
        lock (_gate)
        {
            return GetOrAdd(pinNumber).Level;
        }
    }

    /// <inheritdoc />
    protected override void Toggle(int pinNumber) => Write(pinNumber, Read(pinNumber) == PinValue.High ? PinValue.Low : PinValue.High);

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value)
    {
        bool changed;
        lock (_gate)
        {
            SimulatedPin state = GetOrAdd(pinNumber);
            if (!IsOutput(state.Mode))
            {
                throw new InvalidOperationException($"pin {pinNumber} is not an output");
            }

            changed = state.Level != value;
            state.Written = value;
            state.Level = value;
        }

        if (changed)
        {
            OutputChanged?.Invoke(this, new SimulatedOutputChange(pinNumber, value));
        }
    }

    /// <inheritdoc />
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        Task<PinEventTypes> wait = AddWaiter(pinNumber, eventTypes);
        try
        {
            PinEventTypes edge = wait.WaitAsync(cancellationToken).GetAwaiter().GetResult();
            return new WaitForEventResult { EventTypes = edge, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
    }

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            GetOrAdd(pinNumber).Callbacks.Add((eventTypes, callback));
        }
    }

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            GetOrAdd(pinNumber).Callbacks.RemoveAll(c => c.Handler == callback);
        }
    }

    /// <inheritdoc />
    public override GpioChipInfo GetChipInfo() => new(0, "portscan-edge-simulated", "simulated lane I/O", _pinCount);

    private Task<PinEventTypes> AddWaiter(int pin, PinEventTypes types)
    {
        var done = new TaskCompletionSource<PinEventTypes>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            GetOrAdd(pin).Waiters.Add((types, done));
        }

        return done.Task;
    }

    private void CheckPin(int pin)
    {
        if (pin < 0 || pin >= _pinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pin), pin, $"the simulated chip has lines 0..{_pinCount - 1}");
        }
    }

    private SimulatedPin GetOrAdd(int pin)
    {
        if (!_pins.TryGetValue(pin, out SimulatedPin? state))
        {
            state = new SimulatedPin();
            _pins[pin] = state;
        }

        return state;
    }

    private static bool IsOutput(PinMode mode) => mode is PinMode.Output;

    private static PinValue EffectiveInputLevel(SimulatedPin state)
    {
        if (IsOutput(state.Mode))
        {
            return state.Written;
        }

        // Nothing driving: the pull resistor decides (a cut wire reads as the pull level).
        return state.External ?? (state.Mode == PinMode.InputPullUp ? PinValue.High : PinValue.Low);
    }

    private sealed class SimulatedPin
    {
        public bool IsOpen { get; set; }

        public PinMode Mode { get; set; } = PinMode.Input;

        public PinValue? External { get; set; }

        public PinValue Written { get; set; } = PinValue.Low;

        public PinValue Level { get; set; } = PinValue.Low;

        public List<(PinEventTypes Types, PinChangeEventHandler Handler)> Callbacks { get; } = [];

        public List<(PinEventTypes Types, TaskCompletionSource<PinEventTypes> Done)> Waiters { get; } = [];
    }
}
