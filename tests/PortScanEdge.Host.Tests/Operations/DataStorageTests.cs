using PortScanEdge.Devices.Health;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Host.Observability;

namespace PortScanEdge.Host.Tests.Operations;

public sealed class DataStorageTests
{
    private static readonly string Directory = Path.GetTempPath();

    [Fact]
    public void Check_EnoughFreeSpace_IsOkAndSaysHowMuch()
    {
        var storage = new DataStorage(Directory, minFreeBytes: 1);

        var space = storage.Measure();
        var check = storage.Check();

        Assert.NotNull(space);
        Assert.InRange(space.Value.FreeBytes, 1, space.Value.SizeBytes);
        Assert.Equal(("storage", true), (check.Name, check.Ok));
        Assert.Contains($"MB free of {space.Value.SizeBytes / (1024 * 1024)} MB on the file system of {Directory}", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Readiness_LessFreeThanTheMinimum_IsUnreadyNamingTheSetting()
    {
        // More than any disk here has free: the check must fail.
        var storage = new DataStorage(Directory, minFreeBytes: long.MaxValue);
        var health = new GatewayHealth(new LaneRegistry(), new DeviceHealthMonitor(), storage: storage);

        var report = health.Readiness();

        Assert.False(report.Ready);
        var check = Assert.Single(report.Checks, c => c.Name == "storage");
        Assert.False(check.Ok);
        Assert.Contains("below gateway.min_free_megabytes", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DirectoryMissing_FailsNamingItUnlessTheCheckIsOff()
    {
        var missing = Path.Combine(Directory, $"pse-missing-{Guid.NewGuid():N}");

        Assert.Null(new DataStorage(missing, 1).Measure());
        Assert.Equal((false, $"cannot measure the free space of {missing}"), (new DataStorage(missing, 1).Check().Ok, new DataStorage(missing, 1).Check().Detail));
        Assert.True(new DataStorage(missing, 0).Check().Ok);
    }
}
