using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
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
        var logger = new RecordingLogger();
        using var lifetime = new GatewayLifetime(application, systemd, logger);
        await lifetime.WaitForStartAsync(CancellationToken.None);

        lifetime.RequestStop("SIGTERM");
        lifetime.RequestStop("SIGTERM");
        lifetime.RequestStop("Ctrl+C");
        Assert.False(application.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(["SIGTERM while starting: the gateway stops as soon as it has finished starting"], logger.Messages);

        application.NotifyStarted();
        Assert.True(application.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(["READY=1", "STOPPING=1"], systemd.States);
    }

    [Fact]
    public async Task InnerWebApplications_TakeNoSignals()
    {
        // The console and observability listeners are applications inside the gateway's host. With the default
        // console lifetime, a SIGTERM arriving while one of them was binding cancelled its start and failed the
        // gateway's ("Hosting failed to start") instead of the graceful stop GatewayLifetime holds for it.
        await using var app = InnerWebHost.CreateBuilder(new WebApplicationOptions { Args = [] }).Build();

        var lifetime = app.Services.GetRequiredService<IHostLifetime>();

        Assert.IsType<InnerWebHost.SignalFreeLifetime>(lifetime);
        Assert.Empty(app.Services.GetServices<IHostLifetime>().OfType<ConsoleLifetime>());
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

    private sealed class RecordingLogger : ILogger<GatewayLifetime>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> States { get; } = [];

        public bool IsEnabled => true;

        public void Notify(ServiceState state) => States.Add(state.ToString());
    }
}
