using PortScanEdge.Simulation.Bench;

namespace PortScanEdge.Devices.Tests.Bench;

/// <summary>The bench hook works and measures what it says (the numbers themselves come from `bench devices`).</summary>
public sealed class DeviceBenchTests
{
    [Fact]
    public void MeasureDecoder_ShortRun_PositiveThroughputAndBaseline()
    {
        DecoderBenchResult result = DeviceBench.MeasureDecoder(TimeSpan.FromMilliseconds(100));
        Assert.True(result.FramesPerSecond > 10_000, result.ToString());
        Assert.True(result.GarbageFramesPerSecond > 0);
        Assert.True(result.CrcMegabytesPerSecond > 0);
    }

    [Fact]
    public void ProcessCpuTime_AfterBusyWork_Increases()
    {
        // Busy until the process has used measurably more CPU (bounded: the machine may be busy with other tests).
        TimeSpan before = DeviceBench.ProcessCpuTime();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double sink = 0;
        while (DeviceBench.ProcessCpuTime() - before < TimeSpan.FromMilliseconds(50) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            for (int i = 0; i < 100_000; i++)
            {
                sink += Math.Sqrt(i);
            }
        }

        Assert.True(DeviceBench.ProcessCpuTime() - before >= TimeSpan.FromMilliseconds(50), $"sink {sink}");
    }

    [Fact]
    public async Task MeasureReconnect_OneTrial_DetectsAndReconnects()
    {
        ReconnectBenchResult result = await DeviceBench.MeasureReconnectAsync(1, TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, result.Trials);
        Assert.True(result.ReconnectMilliseconds > 0);
        Assert.True(result.DetectMilliseconds < 2000, result.ToString());
    }

    [Fact]
    public void Format_Results_NamesEveryFigure()
    {
        string text = DeviceBench.Format(new DecoderBenchResult(10, 100, 1e6, 50, 9e5, 60), new IdleCpuResult(10, 0.1, 5, 0.1, 0.5), new ReconnectBenchResult(5, 3, 760, 770, 1000));
        Assert.Contains("frames/s", text, StringComparison.Ordinal);
        Assert.Contains("idle CPU", text, StringComparison.Ordinal);
        Assert.Contains("reconnect", text, StringComparison.Ordinal);
    }
}
