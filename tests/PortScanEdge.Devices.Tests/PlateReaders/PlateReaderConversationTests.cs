using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.PlateReaders;
using PortScanEdge.Devices.Serial;
using PortScanEdge.Devices.Tests.Serial;
using PortScanEdge.Simulation.Emulators;

namespace PortScanEdge.Devices.Tests.PlateReaders;

/// <summary>Plate reader driver ↔ emulator over real pseudo-terminals.</summary>
public sealed class PlateReaderConversationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(PlateReaderFormat.OpenalprJson)]
    [InlineData(PlateReaderFormat.Template)]
    [InlineData(PlateReaderFormat.StxEtx)]
    public async Task Read_EachFormat_ArrivesWithConfidence(PlateReaderFormat format)
    {
        await using var rig = await Rig.StartAsync(format);
        await rig.Emulator.EmitAsync("ABC123", 91.5);
        PlateRead read = await rig.NextReadAsync();
        Assert.Equal("ABC123", read.Best.Text);
        Assert.Equal(91.5, read.Best.Confidence);
        Assert.Equal(PlateReaderPosition.Rear, read.Position);
    }

    [Fact]
    public async Task Read_JsonCandidatesAndContainerCode_TopNRankedWithCheckDigit()
    {
        await using var rig = await Rig.StartAsync(PlateReaderFormat.OpenalprJson);
        await rig.Emulator.EmitAsync("CSQU3054384", 90, [("CSQU3054383", 85), ("C5QU3054383", 40), ("CSQU3O54383", 30)]);
        PlateRead read = await rig.NextReadAsync();
        Assert.Equal("CSQU3054383", read.Best.Text);
        Assert.True(read.Best.Container!.CheckDigitValid);
        Assert.Equal(3, read.Candidates.Count);
    }

    [Fact]
    public async Task BadInput_GarbageWrongFormatOversizedTruncated_CountedAndNextReadStillArrives()
    {
        await using var rig = await Rig.StartAsync(PlateReaderFormat.Template);
        await rig.Emulator.InjectGarbageAsync(300);
        await rig.Emulator.WriteAsync("\r\n"u8.ToArray());
        await rig.Emulator.SendWrongFormatAsync();
        await rig.Emulator.SendOversizedAsync();
        await rig.Emulator.SendTruncatedAsync("LOST01", 50);
        await rig.Emulator.WriteAsync("\r\n"u8.ToArray());
        await rig.Emulator.EmitAsync("GOOD42", 77);
        PlateRead read = await rig.NextReadAsync(skipUntil: "GOOD42");
        Assert.Equal(77, read.Best.Confidence);
        PlateReadStatistics stats = rig.Driver.Statistics;
        Assert.True(stats.BadRecords >= 2, $"{stats}");
        Assert.Equal(1, stats.Framer.OversizedRecords);
        Assert.Equal(DeviceHealthState.Connected, rig.Driver.Health.State);
    }

    [Fact]
    public async Task Read_RepeatedWithinWindow_DeliveredOnce()
    {
        await using var rig = await Rig.StartAsync(PlateReaderFormat.Template);
        for (int i = 0; i < 5; i++)
        {
            await rig.Emulator.EmitAsync("REP123", 80);
        }

        await rig.Emulator.EmitAsync("NEXT99", 80);
        Assert.Equal("REP123", (await rig.NextReadAsync()).Best.Text);
        Assert.Equal("NEXT99", (await rig.NextReadAsync()).Best.Text);
        Assert.Equal(4, rig.Driver.Statistics.Suppressed);
    }

    [Fact]
    public async Task Disconnect_PtyGone_ReconnectingThenReadsAgain()
    {
        await using var rig = await Rig.StartAsync(PlateReaderFormat.Template);
        var reconnecting = rig.WaitFor(DeviceHealthState.Reconnecting);
        Task replug = rig.Emulator.DisconnectAsync(TimeSpan.FromMilliseconds(200));
        Assert.NotEmpty((await reconnecting).Reason);
        await replug;
        await rig.WaitFor(DeviceHealthState.Connected);
        await rig.Emulator.EmitAsync("BACK01", 60);
        Assert.Equal("BACK01", (await rig.NextReadAsync()).Best.Text);
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly TempDirectory _temp = new();

        private Rig(PlateReaderFormat format)
        {
            string link = Path.Combine(_temp.Path, "lpr");
            Emulator = new PlateReaderEmulator(new PlateReaderEmulatorOptions { LinkPath = link, Format = format });
            Emulator.Start();
            Driver = new PlateReaderDriver(new PlateReaderOptions
            {
                Id = "lpr-rear",
                Position = PlateReaderPosition.Rear,
                Format = format,
                Serial = new SerialOptions { Port = link, Baud = 9600, ReconnectBackoffInitial = TimeSpan.FromMilliseconds(50), ReconnectBackoffMax = TimeSpan.FromMilliseconds(200) },
            }, new SerialPortTransportFactory(), TimeProvider.System);
        }

        public PlateReaderEmulator Emulator { get; }

        public PlateReaderDriver Driver { get; }

        public static async Task<Rig> StartAsync(PlateReaderFormat format)
        {
            var rig = new Rig(format);
            Task<DeviceHealth> connected = rig.WaitFor(DeviceHealthState.Connected);
            rig.Driver.Start();
            await connected;
            return rig;
        }

        public Task<DeviceHealth> WaitFor(DeviceHealthState state)
        {
            var done = new TaskCompletionSource<DeviceHealth>(TaskCreationOptions.RunContinuationsAsynchronously);
            Driver.HealthChanged += (_, h) =>
            {
                if (h.State == state)
                {
                    done.TrySetResult(h);
                }
            };
            if (Driver.Health.State == state)
            {
                done.TrySetResult(Driver.Health);
            }

            return done.Task.WaitAsync(Patience);
        }

        public async Task<PlateRead> NextReadAsync(string? skipUntil = null)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                PlateRead read = await Driver.Reads.ReadAsync(timeout.Token);
                if (skipUntil is null || read.Best.Text == skipUntil)
                {
                    return read;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Driver.DisposeAsync();
            await Emulator.DisposeAsync();
            _temp.Dispose();
        }
    }
}
