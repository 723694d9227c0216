using System.Device.Gpio;
using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Gpio;

namespace PortScanEdge.Devices.Tests.Gpio;

/// <summary>Lane I/O through the production GpioController path on the simulated driver, with a fake clock.</summary>
public sealed class LaneIoTests
{
    private const int EntryLoop = 5;
    private const int Estop = 6;
    private const int Interlock = 7;
    private const int Ack = 8;
    private const int Barrier = 20;
    private const int Red = 21;
    private const int Green = 22;
    private const int Beacon = 23;
    private const int Buzzer = 24;

    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(20);

    private static GpioOptions Options(bool activeLowRelays = false) => new()
    {
        Id = "lane-1-io",
        Driver = GpioDriverKind.Simulated,
        Pins = new LanePinsOptions
        {
            EntryLoop = new GpioPinOptions { Line = EntryLoop, Debounce = Debounce },
            Estop = new GpioPinOptions { Line = Estop, Debounce = Debounce },
            Interlock = new GpioPinOptions { Line = Interlock, ActiveLow = true, Debounce = Debounce },
            OperatorAck = new GpioPinOptions { Line = Ack, ActiveLow = true, Debounce = TimeSpan.Zero },
            Barrier = new GpioPinOptions { Line = Barrier, ActiveLow = activeLowRelays },
            LightRed = new GpioPinOptions { Line = Red, ActiveLow = activeLowRelays },
            LightGreen = new GpioPinOptions { Line = Green, ActiveLow = activeLowRelays },
            Beacon = new GpioPinOptions { Line = Beacon, ActiveLow = activeLowRelays },
            Buzzer = new GpioPinOptions { Line = Buzzer, ActiveLow = activeLowRelays },
        },
    };

    private static (LaneIo Io, SimulatedGpioDriver Chip, FakeTimeProvider Time) Start(bool activeLowRelays = false, Action<SimulatedGpioDriver>? wire = null)
    {
        var chip = new SimulatedGpioDriver();
        wire?.Invoke(chip);
        var time = new FakeTimeProvider();
        var io = new LaneIo(Options(activeLowRelays), new GpioController(chip), shouldDispose: true, time);
        return (io, chip, time);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Start_EveryOutputDeEnergised_BarrierClosedRedLit(bool activeLowRelays)
    {
        (LaneIo io, SimulatedGpioDriver chip, _) = Start(activeLowRelays);
        using (io)
        {
            PinValue deEnergised = activeLowRelays ? PinValue.High : PinValue.Low;
            foreach (int line in new[] { Barrier, Red, Green, Beacon, Buzzer })
            {
                Assert.Equal(PinMode.Output, chip.GetMode(line));
                Assert.Equal(deEnergised, chip.GetLevel(line));
            }

            Assert.False(io.GetOutput(LaneOutput.Barrier));
            Assert.True(io.GetOutput(LaneOutput.LightRed));
        }
    }

    [Fact]
    public void Start_OutputsOpenedStraightIntoSafeLevel_NoGlitch()
    {
        var chip = new SimulatedGpioDriver();
        var seen = new List<SimulatedOutputChange>();
        chip.OutputChanged += (_, c) => seen.Add(c);
        using var io = new LaneIo(Options(activeLowRelays: true), new GpioController(chip), true, new FakeTimeProvider());
        Assert.All(seen, c => Assert.Equal(PinValue.High, c.Value));
    }

    [Fact]
    public void SetOutput_ByMeaning_DrivesRelaysPerWiring()
    {
        (LaneIo io, SimulatedGpioDriver chip, _) = Start();
        using (io)
        {
            Assert.True(io.SetOutput(LaneOutput.Barrier, true));
            Assert.Equal(PinValue.High, chip.GetLevel(Barrier));

            // Red is on the normally-closed contact: turning it off energises the relay.
            io.SetOutput(LaneOutput.LightRed, false);
            Assert.Equal(PinValue.High, chip.GetLevel(Red));
            io.SetOutput(LaneOutput.LightGreen, true);
            Assert.Equal(PinValue.High, chip.GetLevel(Green));
        }
    }

    [Fact]
    public void FailSafe_AfterUse_EveryRelayDeEnergised()
    {
        (LaneIo io, SimulatedGpioDriver chip, _) = Start();
        using (io)
        {
            io.SetOutput(LaneOutput.Barrier, true);
            io.SetOutput(LaneOutput.LightRed, false);
            io.SetOutput(LaneOutput.LightGreen, true);
            io.SetOutput(LaneOutput.Beacon, true);
            io.SetOutput(LaneOutput.Buzzer, true);
            io.FailSafe("e-stop");
            foreach (int line in new[] { Barrier, Red, Green, Beacon, Buzzer })
            {
                Assert.Equal(PinValue.Low, chip.GetLevel(line));
            }

            Assert.False(io.GetOutput(LaneOutput.Barrier));
            Assert.True(io.GetOutput(LaneOutput.LightRed));
        }
    }

    [Fact]
    public void Dispose_AfterUse_OutputsSafeAndLinesReleased()
    {
        (LaneIo io, SimulatedGpioDriver chip, _) = Start();
        io.SetOutput(LaneOutput.Barrier, true);
        io.SetOutput(LaneOutput.LightGreen, true);
        var levelsAtRelease = new Dictionary<int, PinValue>();
        chip.OutputChanged += (_, c) => levelsAtRelease[c.Pin] = c.Value;
        io.Dispose();
        Assert.Equal(PinValue.Low, levelsAtRelease[Barrier]);
        Assert.Equal(PinValue.Low, levelsAtRelease[Green]);
        Assert.False(chip.IsOpen(Barrier));
        Assert.Equal(Devices.Health.DeviceHealthState.Stopped, io.Health.State);
    }

    [Fact]
    public void Debounce_BouncingContact_OneChangeAfterStableTime()
    {
        (LaneIo io, SimulatedGpioDriver chip, FakeTimeProvider time) = Start();
        using (io)
        {
            var changes = new List<LaneInputChanged>();
            io.InputChanged += (_, c) => changes.Add(c);
            chip.DriveWithBounce(EntryLoop, PinValue.High, bounces: 5);
            Assert.Empty(changes);
            time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
            Assert.Empty(changes);
            time.Advance(TimeSpan.FromMilliseconds(1));
            LaneInputChanged change = Assert.Single(changes);
            Assert.Equal(LaneInput.EntryLoop, change.Input);
            Assert.True(change.Active);
            Assert.True(io.IsActive(LaneInput.EntryLoop));
            Assert.True(io.InputChanges.TryRead(out LaneInputChanged? queued));
            Assert.Equal(change, queued);
        }
    }

    [Fact]
    public void Debounce_BounceSpreadOverTime_StillOneChange()
    {
        (LaneIo io, SimulatedGpioDriver chip, FakeTimeProvider time) = Start();
        using (io)
        {
            var changes = new List<LaneInputChanged>();
            io.InputChanged += (_, c) => changes.Add(c);
            for (int i = 0; i < 4; i++)
            {
                chip.DriveInput(EntryLoop, PinValue.High);
                time.Advance(TimeSpan.FromMilliseconds(5));
                chip.DriveInput(EntryLoop, PinValue.Low);
                time.Advance(TimeSpan.FromMilliseconds(5));
            }

            chip.DriveInput(EntryLoop, PinValue.High);
            time.Advance(Debounce);
            Assert.Single(changes);
        }
    }

    [Fact]
    public void Debounce_GlitchShorterThanDebounce_Ignored()
    {
        (LaneIo io, SimulatedGpioDriver chip, FakeTimeProvider time) = Start();
        using (io)
        {
            var changes = new List<LaneInputChanged>();
            io.InputChanged += (_, c) => changes.Add(c);
            chip.DriveInput(EntryLoop, PinValue.High);
            time.Advance(TimeSpan.FromMilliseconds(10));
            chip.DriveInput(EntryLoop, PinValue.Low);
            time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.Empty(changes);
            Assert.False(io.IsActive(LaneInput.EntryLoop));
        }
    }

    [Fact]
    public void ActiveLow_InterlockClosedToGround_ActiveAndCutWireInactive()
    {
        // The interlock closes to ground when safe; a pull-up makes a cut wire read HIGH = open = unsafe.
        (LaneIo io, SimulatedGpioDriver chip, FakeTimeProvider time) = Start(wire: c => c.DriveInput(Interlock, PinValue.Low));
        using (io)
        {
            Assert.True(io.IsActive(LaneInput.Interlock));
            chip.DriveInput(Interlock, PinValue.High);
            time.Advance(Debounce);
            Assert.False(io.IsActive(LaneInput.Interlock));
        }
    }

    [Fact]
    public void Estop_CutWireReadsHigh_Active()
    {
        (LaneIo io, SimulatedGpioDriver chip, FakeTimeProvider time) = Start(wire: c => c.DriveInput(Estop, PinValue.Low));
        using (io)
        {
            Assert.False(io.IsActive(LaneInput.Estop));
            chip.DriveInput(Estop, PinValue.High);
            time.Advance(Debounce);
            Assert.True(io.IsActive(LaneInput.Estop));
        }
    }

    [Fact]
    public void OperatorAck_GpioButtonPressAndRelease_Acknowledged()
    {
        (LaneIo io, SimulatedGpioDriver chip, _) = Start(wire: c => c.DriveInput(Ack, PinValue.High));
        using (io)
        {
            int presses = 0;
            io.OperatorAcknowledged += (_, _) => presses++;
            chip.DriveInput(Ack, PinValue.Low);
            Assert.Equal(0, presses);
            chip.DriveInput(Ack, PinValue.High);
            Assert.Equal(1, presses);
        }
    }

    [Fact]
    public void Has_MissingPins_FalseAndSetOutputReportsIt()
    {
        var options = new GpioOptions { Id = "io", Driver = GpioDriverKind.Simulated, Pins = new LanePinsOptions { Barrier = new GpioPinOptions { Line = 1 } } };
        using var io = new LaneIo(options, new GpioController(new SimulatedGpioDriver()), true, new FakeTimeProvider());
        Assert.True(io.Has(LaneOutput.Barrier));
        Assert.False(io.Has(LaneOutput.Beacon));
        Assert.False(io.Has(LaneInput.Estop));
        Assert.False(io.SetOutput(LaneOutput.Beacon, true));
        Assert.False(io.IsActive(LaneInput.Estop));
    }

    [Fact]
    public void Create_SimulatedDriverByConfig_ReturnsDrivableChip()
    {
        using LaneIo io = LaneIo.Create(Options(), new FakeTimeProvider(), null, out SimulatedGpioDriver? chip);
        Assert.NotNull(chip);
        Assert.Equal(PinValue.Low, chip.GetLevel(Barrier));
    }
}
