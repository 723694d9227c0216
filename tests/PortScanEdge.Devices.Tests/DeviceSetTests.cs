using System.Device.Gpio;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Gpio;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Tests.Serial;
using PortScanEdge.Simulation.Emulators;

namespace PortScanEdge.Devices.Tests;

/// <summary>A whole simulated lane's devices built from a config, as the host will build them.</summary>
public sealed class DeviceSetTests
{
    [Fact]
    public async Task Create_ConfigWithEmulatorPortsAndSimulatedGpio_EveryDeviceConnectedAndUsable()
    {
        using var temp = new TempDirectory();
        var options = new PortScanEdgeOptions();
        options.Gateway.DataDir = Path.Combine(temp.Path, "data");
        options.Devices.Scanners.Add(new ScannerOptions { Id = "scanner-1", Serial = new SerialOptions { Port = SerialOptions.EmulatorPort }, SpoolDir = Path.Combine(temp.Path, "spool") });
        options.Devices.PlateReaders.Add(new PlateReaderOptions { Id = "lpr-front", Serial = new SerialOptions { Port = SerialOptions.EmulatorPort } });
        options.Devices.Gpio.Add(new GpioOptions
        {
            Id = "lane-1-io",
            Driver = GpioDriverKind.Simulated,
            Pins = new LanePinsOptions { EntryLoop = new GpioPinOptions { Line = 3, Debounce = TimeSpan.Zero }, Barrier = new GpioPinOptions { Line = 10 } },
        });
        options.Simulation.ImageWidth = 64;
        options.Simulation.ImageHeight = 64;

        await using EmulatorSet emulators = EmulatorSet.StartFor(options, Path.Combine(temp.Path, "dev"));
        foreach (EmulatorEndpoint endpoint in emulators.Endpoints)
        {
            SerialOptions serial = endpoint.Kind == "scanner"
                ? options.Devices.Scanners.Single(s => s.Id == endpoint.DeviceId).Serial
                : options.Devices.PlateReaders.Single(p => p.Id == endpoint.DeviceId).Serial;
            serial.Port = endpoint.DevicePath;
        }

        await using DeviceSet devices = DeviceSet.Create(options, TimeProvider.System);
        var allConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        devices.Health.Changed += (_, _) =>
        {
            if (devices.Health.Snapshot().All(h => h.State == DeviceHealthState.Connected))
            {
                allConnected.TrySetResult();
            }
        };
        devices.Start();
        await allConnected.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(["lane-1-io", "lpr-front", "scanner-1"], devices.Health.Snapshot().Select(h => h.DeviceId));

        IScanner scanner = devices.Scanners["scanner-1"];
        Assert.True((await scanner.ArmAsync()).IsAccepted);
        Assert.True((await scanner.StartScanAsync("tx-devset")).IsAccepted);
        ScanCompleted done;
        while (true)
        {
            if (await scanner.Events.ReadAsync() is ScanCompleted completed)
            {
                done = completed;
                break;
            }
        }

        Assert.True(done.Handover.IsVerified, done.Handover.Reason);
        Assert.StartsWith(Path.Combine(temp.Path, "data", "images", "scanner-1", "tx-devset"), done.Handover.Images[0].Path, StringComparison.Ordinal);

        await emulators.ExecuteAsync("plate lpr-front XYZ789 88");
        Assert.Equal("XYZ789", (await devices.PlateReaders["lpr-front"].Reads.ReadAsync()).Best.Text);

        devices.SimulatedGpio["lane-1-io"].DriveInput(3, PinValue.High);
        Assert.True(devices.LaneIos["lane-1-io"].IsActive(LaneInput.EntryLoop));
    }
}
