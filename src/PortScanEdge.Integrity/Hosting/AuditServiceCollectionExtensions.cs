using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Integrity.Audit;

namespace PortScanEdge.Integrity.Hosting;

/// <summary>Registers the audit log, its checkpoints and the evidence archive with the gateway host.</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IAuditLog"/>, <see cref="TransactionArchive"/> and <see cref="TransactionEvidenceRecorder"/>
    /// (what the lane calls when a transaction closes), <see cref="AuditCheckpointer"/> with a logging <see cref="ICheckpointPublisher"/>
    /// (the messaging service adds its MQTT one), and the hosted service that writes <c>gateway_start</c> and
    /// <c>gateway_stop</c> and checkpoints on a timer. Call it before registering lane services, so the audit log
    /// starts before them and stops after them.
    /// </summary>
    public static IServiceCollection AddPortScanEdgeAudit(this IServiceCollection services, string version, string configPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new AuditStartInfo(version, configPath));
        services.TryAddSingleton(sp => CreateSettings(sp.GetRequiredService<IOptions<PortScanEdgeOptions>>().Value));
        services.TryAddSingleton(sp => new AuditLog(
            sp.GetRequiredService<AuditLogSettings>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AuditLog>>()));
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditLog>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICheckpointPublisher, LoggingCheckpointPublisher>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PortScanEdgeOptions>>().Value;
            return new AuditCheckpointer(
                sp.GetRequiredService<IAuditLog>(), sp.GetServices<ICheckpointPublisher>(),
                options.ResolveDataPath(options.Audit.CheckpointFile), sp.GetRequiredService<ILogger<AuditCheckpointer>>());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PortScanEdgeOptions>>().Value;
            return new TransactionArchive(options.ResolveDataPath(options.Audit.ArchiveDir));
        });
        services.TryAddSingleton(sp => new TransactionEvidenceRecorder(
            sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<TransactionArchive>(), sp.GetRequiredService<ILogger<TransactionEvidenceRecorder>>()));
        services.AddHostedService<AuditHostedService>();
        services.TryAddSingleton<ArchiveRetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<ArchiveRetentionService>());
        return services;
    }

    /// <summary>The log's settings from the gateway options (paths resolved, passphrase read).</summary>
    public static AuditLogSettings CreateSettings(PortScanEdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? passphrase = null;
        if (options.Audit.KeyPassphrase is { } reference)
        {
            if (!reference.TryResolve(out var value, out var error))
            {
                throw new AuditKeyException($"audit.key_passphrase: {error}");
            }

            passphrase = value;
        }

        return new AuditLogSettings
        {
            LogPath = options.ResolveDataPath(options.Audit.Path),
            KeyPath = options.ResolveDataPath(options.Audit.KeyFile),
            KeyPassphrase = passphrase,
            SiteId = options.Site.Id,
            GatewayId = options.Gateway.Id,
        };
    }
}
