using System.Threading.Channels;
using PortScanEdge.Devices.Health;

namespace PortScanEdge.Devices.Gpio;

/// <summary>Lane inputs. "Active" is the asserted meaning named here, after active-low and debouncing.</summary>
public enum LaneInput
{
    /// <summary>Active: a vehicle is on the entry loop.</summary>
    EntryLoop,

    /// <summary>Active: a vehicle is on the exit loop.</summary>
    ExitLoop,

    /// <summary>Active: the light curtain is interrupted.</summary>
    LightCurtain,

    /// <summary>Active: the emergency stop is pressed (or its wire is cut).</summary>
    Estop,

    /// <summary>Active: the scanner interlock is closed (safe to scan). Inactive = open = unsafe.</summary>
    Interlock,

    /// <summary>Active: the radiation portal monitor alarms.</summary>
    RadiationAlarm,
}

/// <summary>Lane outputs. "Active" is the meaning named here; fail-safe is every output inactive except the red light.</summary>
public enum LaneOutput
{
    /// <summary>Active: barrier open (relay energised). Fail-safe: closed.</summary>
    Barrier,

    /// <summary>Active: red light lit (relay de-energised: the lamp is on the normally-closed contact). Fail-safe: lit.</summary>
    LightRed,

    /// <summary>Active: green light lit (relay energised). Fail-safe: off.</summary>
    LightGreen,

    /// <summary>Active: alert beacon on (relay energised). Fail-safe: off.</summary>
    Beacon,

    /// <summary>Active: buzzer sounding (relay energised). Fail-safe: off.</summary>
    Buzzer,
}

/// <summary>A debounced input change.</summary>
/// <param name="DeviceId">The lane I/O block.</param>
/// <param name="Input">Which input.</param>
/// <param name="Active">The new asserted state.</param>
/// <param name="At">When the change became stable (after the debounce time).</param>
public sealed record LaneInputChanged(string DeviceId, LaneInput Input, bool Active, DateTimeOffset At);

/// <summary>
/// The discrete I/O of one lane (capability interface; wiring and fail-safe states in hardware/wiring/lane-gpio.md).
/// Inputs are debounced and active-low-corrected; outputs are set by meaning, not by level.
/// </summary>
public interface ILaneIo : IDeviceHealthSource
{
    /// <summary>True when the lane has this input wired.</summary>
    bool Has(LaneInput input);

    /// <summary>True when the lane has this output wired.</summary>
    bool Has(LaneOutput output);

    /// <summary>The debounced state of an input (false when not wired).</summary>
    bool IsActive(LaneInput input);

    /// <summary>Debounced input changes in order. One consumer; unbounded (an e-stop is never dropped).</summary>
    ChannelReader<LaneInputChanged> InputChanges { get; }

    /// <summary>Raised, on the GPIO driver's thread, when the operator presses the acknowledge button.</summary>
    event EventHandler? OperatorAcknowledged;

    /// <summary>Sets an output by meaning; returns false when the lane has no such output.</summary>
    /// <exception cref="LaneIoException">The GPIO driver failed (the device is then faulted).</exception>
    bool SetOutput(LaneOutput output, bool active);

    /// <summary>The last state set for an output (fail-safe state until set).</summary>
    bool GetOutput(LaneOutput output);

    /// <summary>Forces every output to its fail-safe state (barrier closed, red lit, green, beacon and buzzer off).</summary>
    void FailSafe(string why);
}

/// <summary>The GPIO driver failed.</summary>
public sealed class LaneIoException : IOException
{
    /// <summary>Creates the exception.</summary>
    public LaneIoException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public LaneIoException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LaneIoException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
