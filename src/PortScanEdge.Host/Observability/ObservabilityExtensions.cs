using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Host.Observability;

/// <summary>Wiring of metrics and health: services for the gateway's host, endpoints for any Kestrel app.</summary>
public static class ObservabilityExtensions
{
    /// <summary>
    /// Registers the exporter, the gateway instruments, the readiness evaluator (and the health summary that
    /// telemetry publishes over MQTT), the hub-to-metrics bridge and,
    /// when <c>observability.enabled</c>, the listener on <c>observability.bind</c>:<c>observability.port</c>.
    /// Call before the lanes are registered, so the bridge subscribes to the hub before the first vehicle.
    /// </summary>
    public static IServiceCollection AddPortScanEdgeObservability(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton(sp => new PrometheusExporter(sp.GetRequiredService<IMeterFactory>()));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PortScanEdgeOptions>>().Value;
            return new DataStorage(options.ResolvePath(options.Gateway.DataDir), options.Gateway.MinFreeMegabytes * 1024L * 1024L);
        });
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<GatewayHealth>();
        services.TryAddSingleton<Messaging.Contracts.IGatewayHealthSource, GatewayHealthSource>();
        services.AddSingleton<IValidateOptions<PortScanEdgeOptions>, ObservabilityOptionsValidator>();
        services.AddHostedService<MetricsBridge>();
        services.AddHostedService<ObservabilityServer>();
        return services;
    }

    /// <summary>
    /// Maps <c>GET /metrics</c> (Prometheus text), <c>GET /healthz</c> (200 while the process serves) and
    /// <c>GET /readyz</c> (200 ready / 503 unready, JSON body naming every check). The services come from
    /// <see cref="AddPortScanEdgeObservability"/> in the same container.
    /// </summary>
    public static IEndpointRouteBuilder MapPortScanEdgeObservability(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Render(), PrometheusExporter.ContentType));
        endpoints.MapGet("/healthz", () => Results.Text("{\"status\":\"live\"}\n", "application/json"));
        endpoints.MapGet("/readyz", (GatewayHealth health) =>
        {
            var report = health.Readiness();
            return Results.Text(report.ToJson() + "\n", "application/json", statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return endpoints;
    }
}

/// <summary>Rejects an <c>observability.bind</c> that is not an IP address before anything starts.</summary>
internal sealed class ObservabilityOptionsValidator : IValidateOptions<PortScanEdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, PortScanEdgeOptions options) =>
        !options.Observability.Enabled || IPAddress.TryParse(options.Observability.Bind, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"observability.bind: '{options.Observability.Bind}' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::)");
}
