using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Host.Hosting;

namespace PortScanEdge.Host.Observability;

/// <summary>
/// A small Kestrel listener of its own for <see cref="ObservabilityExtensions.MapPortScanEdgeObservability"/>, so
/// the endpoints work whether or not the operator console runs (and on a port the fleet's scraper may reach while
/// the console stays on the booth's loopback). Shares the gateway's exporter and health objects.
/// </summary>
internal sealed class ObservabilityServer(
    IOptions<PortScanEdgeOptions> options,
    PrometheusExporter exporter,
    GatewayMetrics metrics,
    GatewayHealth health,
    ILogger<ObservabilityServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address actually bound (useful with port 0 in tests); null before start or when disabled.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var config = options.Value.Observability;
        _ = metrics; // created here so its gauges exist before the first scrape
        if (!config.Enabled)
        {
            return;
        }

        var builder = InnerWebHost.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(config.Bind), config.Port));
        builder.Services.AddSingleton(exporter);
        builder.Services.AddSingleton(health);
        _app = builder.Build();
        _app.MapPortScanEdgeObservability();
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = bound is null ? null : new Uri(bound);
        var endpoint = Address?.Authority ?? $"{config.Bind}:{config.Port}";
        ObservabilityLog.Listening(logger, endpoint);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
