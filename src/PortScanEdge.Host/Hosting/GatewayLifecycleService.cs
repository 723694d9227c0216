using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Host.Hosting;

/// <summary>Logs what the gateway is running and when it starts and stops.</summary>
internal sealed class GatewayLifecycleService(
    IOptions<PortScanEdgeOptions> options,
    ConfigSource source,
    IHostApplicationLifetime lifetime,
    ILogger<GatewayLifecycleService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        Log.GatewayStarting(logger, Cli.VersionLine, value.Site.Id, value.Gateway.Id, value.Lanes.Count, source.Path);
        lifetime.ApplicationStopping.Register(() => Log.GatewayStopping(logger));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Log.GatewayStopped(logger);
        return Task.CompletedTask;
    }
}
