using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PortScanEdge.Host.Hosting;

/// <summary>
/// The builder for the gateway's own web listeners (the operator console, the observability endpoints): small
/// Kestrel applications inside the gateway's host. The gateway's host owns the process signals
/// (<see cref="GatewayLifetime"/>); an inner application with the default console lifetime would take SIGTERM
/// itself — stopping only itself, or, while it is still binding, cancelling its own start and so failing the
/// gateway's start instead of the graceful stop. Inner applications log nothing of their own.
/// </summary>
internal static class InnerWebHost
{
    public static WebApplicationBuilder CreateBuilder(WebApplicationOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(options);
        builder.Logging.ClearProviders();
        builder.Services.RemoveAll<IHostLifetime>();
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        return builder;
    }

    /// <summary>A lifetime that waits for nothing and handles no signals: the gateway's host stops the application.</summary>
    internal sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
