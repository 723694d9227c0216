using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using PortScanEdge.Host.Hosting;

namespace PortScanEdge.Host.Tests;

/// <summary>
/// The stop rule of <see cref="GatewayLifetime"/>, without racing a real start: a stop requested before the host
/// has started is held until it has, one requested after starts at once. (The process-level tests in
/// <see cref="RunCommandTests"/> send real signals to the real executable.)
/// </summary>
public sealed class GatewayLifetimeTests
{
    [Fact]
    public async Task StopRequestedWhileStarting_StopsOnlyOnceStarted_AfterReady()
    {
        var application = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var systemd = new RecordingNotifier();
        using var lifetime = new GatewayLifetime(application, systemd, NullLogger<GatewayLifetime>.Instance);
        await lifetime.WaitForStartAsync(CancellationToken.None);

        lifetime.RequestStop("SIGTERM");
        Assert.False(application.ApplicationStopping.IsCancellationRequested);

        application.NotifyStarted();
        Assert.True(application.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(["READY=1", "STOPPING=1"], systemd.States);
    }

    [Fact]
    public async Task StopRequestedAfterStart_StopsAtOnce()
    {
        var application = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        using var lifetime = new GatewayLifetime(application, new RecordingNotifier(), NullLogger<GatewayLifetime>.Instance);
        await lifetime.WaitForStartAsync(CancellationToken.None);
        application.NotifyStarted();
        Assert.False(application.ApplicationStopping.IsCancellationRequested);

        lifetime.RequestStop("Ctrl+C");

        Assert.True(application.ApplicationStopping.IsCancellationRequested);
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> States { get; } = [];

        public bool IsEnabled => true;

        public void Notify(ServiceState state) => States.Add(state.ToString());
    }
}
