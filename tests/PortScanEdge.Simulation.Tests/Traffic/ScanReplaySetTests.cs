using PortScanEdge.Core.Imaging;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Simulation.Emulators;
using PortScanEdge.Simulation.Traffic;

namespace PortScanEdge.Simulation.Tests.Traffic;

public sealed class ScanReplaySetTests
{
    private static readonly ReplayImage[] Mixed =
    [
        new("/set/n0.png", false), new("/set/a0.png", true), new("/set/n1.png", false), new("/set/a1.png", true), new("/set/n2.png", false),
    ];

    [Fact]
    public void Pick_ConcealmentPlans_GetLabelledAnomalousFilesAndOthersNormalOnes()
    {
        var set = new ScanReplaySet(Mixed);
        var concealed = Enumerable.Range(1, 50).Select(s => set.Pick(new VehiclePlan(s, WithConcealment: true))).ToList();
        var clear = Enumerable.Range(1, 50).Select(s => set.Pick(new VehiclePlan(s, WithConcealment: false))).ToList();

        Assert.All(concealed, i => Assert.True(i.IsAnomalous));
        Assert.All(clear, i => Assert.False(i.IsAnomalous));
        // Every file of a kind comes up, and the same plan always shows the same file.
        Assert.Equal(2, concealed.Distinct().Count());
        Assert.Equal(3, clear.Distinct().Count());
        Assert.Equal(set.Pick(new VehiclePlan(long.MaxValue / 3, true)), set.Pick(new VehiclePlan(long.MaxValue / 3, true)));
        Assert.Equal((5, 2), (set.Count, set.AnomalousCount));
    }

    [Fact]
    public void Pick_SetWithOnlyOneKind_EveryVehicleDrawsFromIt()
    {
        var normalsOnly = new ScanReplaySet(Mixed.Where(i => !i.IsAnomalous));

        Assert.False(normalsOnly.Pick(new VehiclePlan(7, WithConcealment: true)).IsAnomalous);
        Assert.Throws<ArgumentException>(() => new ScanReplaySet([]));
    }

    [Fact]
    public async Task Render_WithAReplaySet_ServesThePlannedFilesBytes()
    {
        var directory = Directory.CreateTempSubdirectory("pse-replay-");
        try
        {
            var normal = Path.Combine(directory.FullName, "normal.png");
            var anomalous = Path.Combine(directory.FullName, "anomalous.png");
            await File.WriteAllBytesAsync(normal, PngWriter.EncodeGrey16(new ushort[6 * 2], 6, 2));
            await File.WriteAllBytesAsync(anomalous, PngWriter.EncodeGrey16(new ushort[5 * 3], 5, 3));
            var source = new SyntheticScanImageSource(new ScanReplaySet([new(normal, false), new(anomalous, true)]));
            source.Plan("scanner-1", new VehiclePlan(11, WithConcealment: true));

            var first = await source.RenderAsync(new ScanImageRequest("T1", EnergyKind.SingleEnergy, 160, 512, 256, "scanner-1"), CancellationToken.None);
            var unplanned = await source.RenderAsync(new ScanImageRequest("T2", EnergyKind.SingleEnergy, 160, 512, 256, "scanner-1"), CancellationToken.None);

            Assert.Equal(await File.ReadAllBytesAsync(anomalous), first);
            Assert.Equal(await File.ReadAllBytesAsync(normal), unplanned);
            Assert.Equal(new VehiclePlan(11, true), source.PlanOf("T1"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PlanOf_RemembersOnlyTheRecentTransactions()
    {
        var source = new SyntheticScanImageSource(new ScanReplaySet([new("/nonexistent/file.png", false)]));
        for (int i = 0; i <= SyntheticScanImageSource.RememberedTransactions; i++)
        {
            // The file does not exist: the read fails, but the plan is taken and remembered first.
            await Assert.ThrowsAnyAsync<IOException>(() => source.RenderAsync(new ScanImageRequest($"T{i}", EnergyKind.SingleEnergy, 160, 64, 64, "s"), CancellationToken.None));
        }

        Assert.Null(source.PlanOf("T0"));
        Assert.NotNull(source.PlanOf("T1"));
        Assert.NotNull(source.PlanOf($"T{SyntheticScanImageSource.RememberedTransactions}"));
    }
}
