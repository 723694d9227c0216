using PortScanEdge.Host.Hosting;

namespace PortScanEdge.Host.Tests;

public class SystemdWatchdogServiceTests
{
    [Theory]
    [InlineData("30000000", null, 15_000)]
    [InlineData("1000000", "4242", 500)]
    public void ReadInterval_WatchdogSet_IsHalfTheTimeout(string microseconds, string? pid, double expectedMilliseconds)
    {
        var interval = SystemdWatchdogService.ReadInterval(microseconds, pid, 4242);

        Assert.Equal(expectedMilliseconds, interval!.Value.TotalMilliseconds);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("abc", null)]
    [InlineData("1000000", "1")]
    public void ReadInterval_NoWatchdogForThisProcess_IsNull(string? microseconds, string? pid) =>
        Assert.Null(SystemdWatchdogService.ReadInterval(microseconds, pid, 4242));
}
