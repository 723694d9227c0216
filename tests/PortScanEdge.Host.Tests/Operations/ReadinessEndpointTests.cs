using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Devices.Scanner;
using PortScanEdge.Devices.Scanner.Protocol;
using PortScanEdge.Devices.Serial;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Host.Observability;
using PortScanEdge.Simulation.Emulators;

namespace PortScanEdge.Host.Tests.Operations;

/// <summary>
/// <c>/readyz</c> over HTTP, mapped by <see cref="ObservabilityExtensions.MapPortScanEdgeObservability"/> on Kestrel,
/// with a real scanner driver talking to the scanner emulator over a pseudo-terminal: the emulator raises a
/// fault, the gateway turns unready and names the device; the fault is reset, the gateway is ready again.
/// </summary>
#pragma warning disable CA1001 // disposed in IAsyncLifetime.DisposeAsync, which xunit calls
public sealed class ReadinessEndpointTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly string _directory = Directory.CreateTempSubdirectory("portscan-readyz-").FullName;
    private readonly DeviceHealthMonitor _monitor = new();
    private readonly LaneRegistry _lanes = new();
    private ScannerEmulator _emulator = null!;
    private ScannerDriver _driver = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var link = Path.Combine(_directory, "dev", "scanner-1");
        var spool = Path.Combine(_directory, "spool");
        _emulator = new ScannerEmulator(new ScannerEmulatorOptions { Id = "scanner-1", LinkPath = link, SpoolDirectory = spool });
        _emulator.Start();
        var options = new ScannerOptions
        {
            Id = "scanner-1",
            Serial = new SerialOptions { Port = link, ReconnectBackoffInitial = TimeSpan.FromMilliseconds(50), ReconnectBackoffMax = TimeSpan.FromMilliseconds(400) },
            SpoolDir = spool,
        };
        _driver = new ScannerDriver(options, new SerialPortTransportFactory(), new ImageHandover(spool, Path.Combine(_directory, "store"), options.ImageWaitTimeout, TimeProvider.System), TimeProvider.System);
        _monitor.Watch(_driver);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(new PrometheusExporter());
        builder.Services.AddSingleton(new GatewayHealth(_lanes, _monitor));
        _app = builder.Build();
        _app.MapPortScanEdgeObservability();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = Patience };
    }

    [Fact]
    public async Task ScannerFaultsAndRecovers_Readyz_TurnsUnreadyThenReadyAgain()
    {
        // Starting: the model is not loaded and the scanner has not answered yet.
        var (status, body) = await GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("\"status\":\"unready\"", body, StringComparison.Ordinal);

        var connected = WaitForAsync(DeviceHealthState.Connected);
        _driver.Start();
        await connected;
        _lanes.MarkReady();
        (status, body) = await GetAsync("/readyz");
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Contains("{\"name\":\"device:scanner-1\",\"ok\":true", body, StringComparison.Ordinal);

        var faulted = WaitForAsync(DeviceHealthState.Faulted);
        await _emulator.RaiseFaultAsync(ScannerFaultCodes.OverTemperature, "detector at 71 C");
        await faulted;
        (status, body) = await GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("{\"name\":\"device:scanner-1\",\"ok\":false", body, StringComparison.Ordinal);
        Assert.Contains("detector at 71 C", body, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"model\",\"ok\":true", body, StringComparison.Ordinal);

        var recovered = WaitForAsync(DeviceHealthState.Connected);
        Assert.True((await _driver.ResetFaultAsync()).IsAccepted);
        await recovered;
        (status, body) = await GetAsync("/readyz");
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Contains("\"status\":\"ready\"", body, StringComparison.Ordinal);

        // Liveness does not follow the devices: a faulted scanner is no reason for systemd to restart us.
        (status, _) = await GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private Task WaitForAsync(DeviceHealthState state)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _monitor.Changed += (_, health) =>
        {
            if (health.DeviceId == "scanner-1" && health.State == state)
            {
                done.TrySetResult();
            }
        };
        return done.Task.WaitAsync(Patience);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _driver.DisposeAsync();
        await _emulator.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
