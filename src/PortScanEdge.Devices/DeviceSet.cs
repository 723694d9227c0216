using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Gpio;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.PlateReaders;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Serial;

namespace PortScanEdge.Devices;

/// <summary>
/// Every device of a gateway built from its config: scanner drivers, plate reader drivers and lane I/O blocks,
/// with one health monitor over all of them. The host creates it, <see cref="Start"/>s it, hands the capability
/// interfaces to the lanes, and disposes it on shutdown (lane outputs go fail-safe first).
/// </summary>
public sealed class DeviceSet : IAsyncDisposable
{
    private readonly List<ScannerDriver> _scanners = [];
    private readonly List<PlateReaderDriver> _plateReaders = [];
    private readonly List<LaneIo> _laneIos = [];

    private DeviceSet()
    {
    }

    /// <summary>Scanners by device id.</summary>
    public IReadOnlyDictionary<string, IScanner> Scanners { get; private set; } = new Dictionary<string, IScanner>();

    /// <summary>Plate readers by device id.</summary>
    public IReadOnlyDictionary<string, IPlateReader> PlateReaders { get; private set; } = new Dictionary<string, IPlateReader>();

    /// <summary>Lane I/O blocks by device id.</summary>
    public IReadOnlyDictionary<string, ILaneIo> LaneIos { get; private set; } = new Dictionary<string, ILaneIo>();

    /// <summary>Simulated GPIO chips by lane I/O id (only for <c>driver: simulated</c>), for the simulation to drive.</summary>
    public IReadOnlyDictionary<string, SimulatedGpioDriver> SimulatedGpio { get; private set; } = new Dictionary<string, SimulatedGpioDriver>();

    /// <summary>Health of every device.</summary>
    public DeviceHealthMonitor Health { get; } = new();

    /// <summary>
    /// Builds the devices of <paramref name="options"/>. Verified scan images go to
    /// <c>&lt;gateway.data_dir&gt;/images/&lt;scanner id&gt;/&lt;transaction id&gt;/</c>. Serial ports are not opened
    /// until <see cref="Start"/>; GPIO lines are opened at once (outputs straight into their fail-safe states).
    /// </summary>
    /// <param name="options">The validated config; ports named <c>emulator</c> must already be replaced by pty paths.</param>
    /// <param name="time">Clock for every timeout and debounce.</param>
    /// <param name="loggers">Logger factory, or null for none.</param>
    /// <param name="transports">Serial transport factory, or null for <see cref="SerialPortTransportFactory"/>.</param>
    /// <exception cref="LaneIoException">A GPIO chip or line cannot be opened.</exception>
    public static DeviceSet Create(PortScanEdgeOptions options, TimeProvider time, ILoggerFactory? loggers = null, ISerialTransportFactory? transports = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggers ??= NullLoggerFactory.Instance;
        transports ??= new SerialPortTransportFactory();
        var set = new DeviceSet();
        try
        {
            foreach (ScannerOptions scanner in options.Devices.Scanners)
            {
                var handover = new ImageHandover(options.ResolvePath(scanner.SpoolDir), options.ResolveDataPath(Path.Combine("images", scanner.Id)), scanner.ImageWaitTimeout, time);
                set._scanners.Add(new ScannerDriver(scanner, transports, handover, time, loggers.CreateLogger<ScannerDriver>()));
            }

            foreach (PlateReaderOptions reader in options.Devices.PlateReaders)
            {
                set._plateReaders.Add(new PlateReaderDriver(reader, transports, time, loggers.CreateLogger<PlateReaderDriver>()));
            }

            var simulated = new Dictionary<string, SimulatedGpioDriver>(StringComparer.Ordinal);
            foreach (GpioOptions gpio in options.Devices.Gpio)
            {
                set._laneIos.Add(LaneIo.Create(gpio, time, loggers.CreateLogger<LaneIo>(), out SimulatedGpioDriver? chip));
                if (chip is not null)
                {
                    simulated[gpio.Id] = chip;
                }
            }

            set.Scanners = set._scanners.ToDictionary(s => s.DeviceId, s => (IScanner)s, StringComparer.Ordinal);
            set.PlateReaders = set._plateReaders.ToDictionary(p => p.DeviceId, p => (IPlateReader)p, StringComparer.Ordinal);
            set.LaneIos = set._laneIos.ToDictionary(l => l.DeviceId, l => (ILaneIo)l, StringComparer.Ordinal);
            set.SimulatedGpio = simulated;
            foreach (IDeviceHealthSource source in set._scanners.Cast<IDeviceHealthSource>().Concat(set._plateReaders).Concat(set._laneIos))
            {
                set.Health.Watch(source);
            }

            return set;
        }
        catch
        {
            set.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Starts the serial drivers (they connect and reconnect in the background).</summary>
    public void Start()
    {
        foreach (ScannerDriver scanner in _scanners)
        {
            scanner.Start();
        }

        foreach (PlateReaderDriver reader in _plateReaders)
        {
            reader.Start();
        }
    }

    /// <summary>Lane outputs fail-safe and released first, then the serial drivers stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (LaneIo io in _laneIos)
        {
            io.Dispose();
        }

        foreach (ScannerDriver scanner in _scanners)
        {
            await scanner.DisposeAsync().ConfigureAwait(false);
        }

        foreach (PlateReaderDriver reader in _plateReaders)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }
}
