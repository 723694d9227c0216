using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Devices.Health;
using PortScanEdge.Host.Lanes;
using PortScanEdge.Integrity.Archive;
using PortScanEdge.Host.Observability;
using PortScanEdge.Host.Web;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Integrity.Hosting;
using PortScanEdge.Messaging;

namespace PortScanEdge.Host.Hosting;

/// <summary>How the console log is written.</summary>
internal enum LogFormat
{
    /// <summary>Human-readable single lines with timestamps.</summary>
    Text,

    /// <summary>One JSON object per line.</summary>
    Json,
}

/// <summary>The composition root: builds the .NET Generic Host that runs the gateway.</summary>
internal static class GatewayHost
{
    /// <summary>How long graceful shutdown may take before the host gives up on stragglers.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    public static IHost Build(PortScanEdgeOptions loaded, string configPath, LogFormat logFormat, LogLevel logLevel)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = loaded.ConfigDirectory,
            DisableDefaults = true,
        });

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logLevel);
        if (logFormat == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else if (SystemdHelpers.IsSystemdService())
        {
            // journald adds its own timestamps; the systemd formatter adds <N> priority prefixes.
            builder.Logging.AddSystemdConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Default;
            });
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        // Signals stop the gateway gracefully, never mid-start; READY=1 and STOPPING=1 when run as a Type=notify
        // unit, harmless otherwise (see GatewayLifetime).
        builder.Services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddSingleton<IHostLifetime, GatewayLifetime>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IValidateOptions<PortScanEdgeOptions>, PortScanEdgeOptionsValidator>();
        builder.Services.AddOptions<PortScanEdgeOptions>()
            .Configure(o => o.CopyFrom(loaded))
            .ValidateOnStart();
        builder.Services.AddSingleton(new ConfigSource(configPath));

        builder.Services.AddSingleton(new LaneHub(loaded.LaneControl.RecentTransactions));
        builder.Services.AddSingleton<LaneRegistry>();
        builder.Services.AddSingleton<Messaging.Contracts.ITelemetryGaugeSource, LaneTelemetryGauges>();
        builder.Services.AddSingleton<DeviceHealthMonitor>();

        // The audit log first: it starts before the lane services and stops after them.
        builder.Services.AddPortScanEdgeAudit(Cli.VersionLine, configPath);
        builder.Services.AddSingleton(sp => new WorkingCopies(loaded.ResolvePath(loaded.Gateway.DataDir), sp.GetRequiredService<TransactionArchive>()));
        builder.Services.AddHostedService<GatewayLifecycleService>();

        // Control-room messaging: embedded broker (demo), connection supervisor, durable outbox relay, commands.
        builder.Services.AddPortScanEdgeMessaging();
        builder.Services.AddSingleton<ICheckpointPublisher, MqttCheckpointPublisher>();

        // Prometheus /metrics, /healthz, /readyz on observability.port (before the lanes: it subscribes to the hub).
        builder.Services.AddPortScanEdgeObservability();

        // Hosted services stop in reverse order of registration: the lanes (last) stop first, then the bridges
        // drain what the lanes said last into the outbox and the audit log, then messaging and audit stop.
        builder.Services.AddHostedService<ControlRoomBridge>();
        builder.Services.AddHostedService<EvidenceBridge>();
        builder.Services.AddHostedService<GatewayLanes>();
        builder.Services.AddPortScanEdgeWebConsole(loaded);
        builder.Services.AddHostedService<SystemdWatchdogService>();
        return builder.Build();
    }
}

/// <summary>Where the running configuration came from.</summary>
internal sealed record ConfigSource(string Path);
