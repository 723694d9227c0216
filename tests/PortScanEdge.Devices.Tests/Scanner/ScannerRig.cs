using System.Threading.Channels;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Serial;
using PortScanEdge.Devices.Tests.Serial;
using PortScanEdge.Simulation.Emulators;

namespace PortScanEdge.Devices.Tests.Scanner;

/// <summary>A scanner driver talking to a scanner emulator over a real pseudo-terminal.</summary>
internal sealed class ScannerRig : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _temp = new();
    private readonly Lock _gate = new();
    private readonly List<(DeviceHealthState State, TaskCompletionSource<DeviceHealth> Done)> _healthWaiters = [];

    private ScannerRig(Action<ScannerEmulatorOptions>? configureEmulator, Action<ScannerOptions>? configureDriver, bool startEmulator)
    {
        var emulatorOptions = new ScannerEmulatorOptions
        {
            Id = "scanner-1",
            LinkPath = Path.Combine(_temp.Path, "dev", "scanner-1"),
            SpoolDirectory = Path.Combine(_temp.Path, "spool"),
            ScanDuration = TimeSpan.FromMilliseconds(50),
        };
        configureEmulator?.Invoke(emulatorOptions);
        Emulator = new ScannerEmulator(emulatorOptions);
        if (startEmulator)
        {
            Emulator.Start();
        }

        Options = new ScannerOptions
        {
            Id = "scanner-1",
            Serial = new SerialOptions { Port = emulatorOptions.LinkPath, ReconnectBackoffInitial = TimeSpan.FromMilliseconds(50), ReconnectBackoffMax = TimeSpan.FromMilliseconds(400) },
            SpoolDir = emulatorOptions.SpoolDirectory,
            ImageWaitTimeout = TimeSpan.FromSeconds(2),
        };
        configureDriver?.Invoke(Options);
        StoreDirectory = Path.Combine(_temp.Path, "store");
        Driver = new ScannerDriver(Options, new SerialPortTransportFactory(),
            new ImageHandover(Options.SpoolDir, StoreDirectory, Options.ImageWaitTimeout, TimeProvider.System), TimeProvider.System);
        Driver.HealthChanged += OnHealth;
    }

    public ScannerEmulator Emulator { get; }

    public ScannerDriver Driver { get; }

    public ScannerOptions Options { get; }

    public string StoreDirectory { get; }

    public string TempPath => _temp.Path;

    public static async Task<ScannerRig> StartConnectedAsync(Action<ScannerEmulatorOptions>? configureEmulator = null, Action<ScannerOptions>? configureDriver = null)
    {
        var rig = new ScannerRig(configureEmulator, configureDriver, startEmulator: true);
        Task<DeviceHealth> connected = rig.WaitForHealthAsync(DeviceHealthState.Connected);
        rig.Driver.Start();
        await connected;
        return rig;
    }

    public static ScannerRig CreateWithoutEmulator(Action<ScannerEmulatorOptions>? configureEmulator = null, Action<ScannerOptions>? configureDriver = null) =>
        new(configureEmulator, configureDriver, startEmulator: false);

    /// <summary>Completes when the driver next enters <paramref name="state"/> (or is in it now).</summary>
    public Task<DeviceHealth> WaitForHealthAsync(DeviceHealthState state, bool includeCurrent = true)
    {
        var done = new TaskCompletionSource<DeviceHealth>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (includeCurrent && Driver.Health.State == state)
            {
                done.TrySetResult(Driver.Health);
            }
            else
            {
                _healthWaiters.Add((state, done));
            }
        }

        return done.Task.WaitAsync(Patience);
    }

    /// <summary>Reads events until one of type <typeparamref name="T"/> arrives; returns it and those skipped.</summary>
    public async Task<T> NextEventAsync<T>(List<ScannerEvent>? skipped = null)
        where T : ScannerEvent
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            ScannerEvent e = await Driver.Events.ReadAsync(timeout.Token);
            if (e is T match)
            {
                return match;
            }

            skipped?.Add(e);
        }
    }

    /// <summary>Arms, starts a scan and returns its completion.</summary>
    public async Task<ScanCompleted> ScanAsync(string transactionId)
    {
        ScannerCommandResult armed = await Driver.ArmAsync();
        Assert.True(armed.IsAccepted, armed.Message);
        ScannerCommandResult started = await Driver.StartScanAsync(transactionId);
        Assert.True(started.IsAccepted, started.Message);
        return await NextEventAsync<ScanCompleted>();
    }

    public async ValueTask DisposeAsync()
    {
        await Driver.DisposeAsync();
        await Emulator.DisposeAsync();
        _temp.Dispose();
    }

    private void OnHealth(object? sender, DeviceHealth health)
    {
        lock (_gate)
        {
            for (int i = _healthWaiters.Count - 1; i >= 0; i--)
            {
                if (_healthWaiters[i].State == health.State)
                {
                    _healthWaiters[i].Done.TrySetResult(health);
                    _healthWaiters.RemoveAt(i);
                }
            }
        }
    }
}
