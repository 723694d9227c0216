namespace PortScanEdge.Devices.Health;

/// <summary>What a device is doing, as the rest of the gateway sees it.</summary>
public enum DeviceHealthState
{
    /// <summary>Opening the port or waiting for the first handshake.</summary>
    Starting,

    /// <summary>Talking to the device; it is usable.</summary>
    Connected,

    /// <summary>The device disappeared or stopped answering; the driver is reopening it with back-off.</summary>
    Reconnecting,

    /// <summary>The device answers but cannot work (reports a fault, speaks no common protocol version, ...).</summary>
    Faulted,

    /// <summary>The driver was stopped.</summary>
    Stopped,
}

/// <summary>The kind of a device, for grouping on the console and in MQTT topics.</summary>
public enum DeviceKind
{
    /// <summary>An imaging scanner.</summary>
    Scanner,

    /// <summary>A licence-plate or container-code reader.</summary>
    PlateReader,

    /// <summary>A GPIO lane I/O block.</summary>
    LaneIo,
}

/// <summary>One health observation. <see cref="Reason"/> says why in words a technician can act on.</summary>
/// <param name="DeviceId">The device id from the config.</param>
/// <param name="Kind">What kind of device.</param>
/// <param name="State">The state.</param>
/// <param name="Reason">Why (empty when connected and well).</param>
/// <param name="Since">When the device entered this state.</param>
public sealed record DeviceHealth(string DeviceId, DeviceKind Kind, DeviceHealthState State, string Reason, DateTimeOffset Since)
{
    /// <summary>True when the device can be used.</summary>
    public bool IsUsable => State == DeviceHealthState.Connected;

    /// <inheritdoc />
    public override string ToString() =>
        Reason.Length == 0 ? $"{DeviceId}: {State}" : $"{DeviceId}: {State} ({Reason})";
}

/// <summary>Something whose health the gateway watches (every driver implements it).</summary>
public interface IDeviceHealthSource
{
    /// <summary>The device id from the config.</summary>
    string DeviceId { get; }

    /// <summary>The current health.</summary>
    DeviceHealth Health { get; }

    /// <summary>Raised on every change of state or reason, on the driver's thread: handlers must be quick and not throw.</summary>
    event EventHandler<DeviceHealth>? HealthChanged;
}

/// <summary>
/// Keeps the latest health of every device, for the console, metrics and MQTT availability. Thread-safe.
/// </summary>
public sealed class DeviceHealthMonitor
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeviceHealth> _latest = new(StringComparer.Ordinal);

    /// <summary>Raised after any device's health changed.</summary>
    public event EventHandler<DeviceHealth>? Changed;

    /// <summary>Starts watching <paramref name="source"/>.</summary>
    public void Watch(IDeviceHealthSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.HealthChanged += (_, health) => Record(health);
        Record(source.Health);
    }

    /// <summary>The latest health of every watched device, ordered by id.</summary>
    public IReadOnlyList<DeviceHealth> Snapshot()
    {
        lock (_gate)
        {
            return [.. _latest.Values.OrderBy(h => h.DeviceId, StringComparer.Ordinal)];
        }
    }

    private void Record(DeviceHealth health)
    {
        lock (_gate)
        {
            _latest[health.DeviceId] = health;
        }

        Changed?.Invoke(this, health);
    }
}

/// <summary>Holds one device's health and raises the change event (shared by the drivers).</summary>
internal sealed class HealthCell(string deviceId, DeviceKind kind, TimeProvider time)
{
    private readonly Lock _gate = new();
    private DeviceHealth _current = new(deviceId, kind, DeviceHealthState.Starting, "starting", time.GetUtcNow());

    public DeviceHealth Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Sets the state; returns the new value when it changed, else null.</summary>
    public DeviceHealth? Set(DeviceHealthState state, string reason)
    {
        lock (_gate)
        {
            if (_current.State == state && _current.Reason == reason)
            {
                return null;
            }

            _current = _current with { State = state, Reason = reason, Since = time.GetUtcNow() };
            return _current;
        }
    }
}
