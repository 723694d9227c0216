using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Messaging.Broker;
using PortScanEdge.Messaging.Commands;
using PortScanEdge.Messaging.Connection;
using PortScanEdge.Messaging.Outbox;
using PortScanEdge.Messaging.Publishing;

namespace PortScanEdge.Messaging;

/// <summary>Registers the control-room messaging services with the gateway host.</summary>
public static class MessagingServiceCollectionExtensions
{
    /// <summary>
    /// Adds messaging, configured from <c>IOptions&lt;PortScanEdgeOptions&gt;</c>: the embedded broker (started
    /// only with <c>mqtt.broker: embedded</c>), the connection supervisor (availability, birth, Last Will), the
    /// outbox relay, the command dispatcher and telemetry — started in that order and stopped in reverse, so
    /// the relay stops before the supervisor publishes <c>offline</c> and disconnects. Lanes take
    /// <see cref="IControlRoomPublisher"/> to publish and register with <see cref="ICommandTargetRegistry"/> to
    /// receive commands.
    /// </summary>
    public static IServiceCollection AddPortScanEdgeMessaging(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<PortScanEdgeOptions>, MessagingOptionsValidator>();
        services.TryAddSingleton(sp => new MessagingMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<MessagingRuntime>();
        services.TryAddSingleton<ControlRoomPublisher>();
        services.TryAddSingleton<IControlRoomPublisher>(sp => sp.GetRequiredService<ControlRoomPublisher>());
        services.TryAddSingleton<CommandDispatcher>();
        services.TryAddSingleton<ICommandTargetRegistry>(sp => sp.GetRequiredService<CommandDispatcher>());
        services.AddSingleton<IMqttConnectionListener>(sp => sp.GetRequiredService<CommandDispatcher>());
        services.TryAddSingleton<EmbeddedBroker>();
        services.TryAddSingleton<MqttConnectionSupervisor>();
        services.TryAddSingleton<OutboxRelay>();
        services.TryAddSingleton<TelemetryService>();

        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttConnectionSupervisor>());
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        services.AddHostedService(sp => sp.GetRequiredService<CommandDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryService>());
        return services;
    }
}
