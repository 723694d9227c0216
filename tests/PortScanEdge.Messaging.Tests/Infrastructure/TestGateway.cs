using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Messaging.Commands;
using PortScanEdge.Messaging.Connection;
using PortScanEdge.Messaging.Outbox;
using PortScanEdge.Messaging.Publishing;

namespace PortScanEdge.Messaging.Tests.Infrastructure;

/// <summary>A gateway's messaging layer, in process, with the real services behind <c>AddPortScanEdgeMessaging</c>.</summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly IHost _host;

    private TestGateway(IHost host, PortScanEdgeOptions options)
    {
        _host = host;
        Options = options;
    }

    public PortScanEdgeOptions Options { get; }

    public IControlRoomPublisher Publisher => _host.Services.GetRequiredService<IControlRoomPublisher>();

    public ICommandTargetRegistry Commands => _host.Services.GetRequiredService<ICommandTargetRegistry>();

    public MqttConnectionSupervisor Supervisor => _host.Services.GetRequiredService<MqttConnectionSupervisor>();

    public OutboxRelay Relay => _host.Services.GetRequiredService<OutboxRelay>();

    public MessagingRuntime Runtime => _host.Services.GetRequiredService<MessagingRuntime>();

    public TelemetryService Telemetry => _host.Services.GetRequiredService<TelemetryService>();

    public MqttTopics Topics => Runtime.Topics;

    /// <summary>Options for a gateway publishing to <paramref name="uris"/> with its data in a fresh directory.</summary>
    public static PortScanEdgeOptions CreateOptions(IEnumerable<string> uris, string gatewayId = "gw-test", int lanes = 2, string? dataDir = null)
    {
        var options = new PortScanEdgeOptions
        {
            Site = new SiteOptions { Id = "test-port", Name = "Test Port" },
            Gateway = new GatewayOptions { Id = gatewayId, DataDir = dataDir ?? TempDirectory.Create("gateway") },
        };
        for (var i = 1; i <= lanes; i++)
        {
            options.Lanes.Add(new LaneOptions { Id = $"lane-{i}", Direction = LaneDirection.Northbound, Devices = new LaneDevicesOptions { Scanner = $"scanner-{i}", Io = $"io-{i}" } });
        }

        options.Mqtt.Broker = MqttBrokerKind.External;
        options.Mqtt.Uris.AddRange(uris);
        options.Mqtt.ReconnectDelayMin = TimeSpan.FromMilliseconds(100);
        options.Mqtt.ReconnectDelayMax = TimeSpan.FromSeconds(1);
        options.Mqtt.PingInterval = TimeSpan.FromMilliseconds(500);
        options.Mqtt.ConnectTimeout = TimeSpan.FromSeconds(3);
        options.Mqtt.KeepAlive = TimeSpan.FromSeconds(5);
        return options;
    }

    public static async Task<TestGateway> StartAsync(PortScanEdgeOptions options, LogLevel logLevel = LogLevel.Warning, Contracts.IGatewayHealthSource? health = null, Contracts.ITelemetryGaugeSource? gauges = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddOptions<PortScanEdgeOptions>().Configure(o => o.CopyFrom(options));
        builder.Services.AddPortScanEdgeMessaging();
        if (health is not null)
        {
            builder.Services.AddSingleton(health);
        }

        if (gauges is not null)
        {
            builder.Services.AddSingleton(gauges);
        }

        var host = builder.Build();
        await host.StartAsync();
        return new TestGateway(host, options);
    }

    public async Task WaitConnectedAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        await Supervisor.WaitForSessionAsync(cancellation.Token);
    }

    public async Task StopAsync() => await _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        _host.Dispose();
    }
}
