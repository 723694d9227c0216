using System.Net;
using System.Net.Sockets;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal.Adapter;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Messaging.Broker;

/// <summary>
/// The demo broker (<c>mqtt.broker: embedded</c>): an MQTTnet server on 127.0.0.1:<c>mqtt.embedded_port</c>
/// inside the gateway, so the demo needs nothing installed. <b>Not durable and not for production</b>: retained
/// messages and sessions live in memory and vanish with the process; there is no TLS and no authentication —
/// anything on the machine may connect. It accepts stock clients with their default options: an empty client id
/// (what <c>mosquitto_sub</c> sends without <c>-i</c>) is given a generated one — through the MQTT 5 assigned
/// client identifier, or for MQTT 3.1.1 with a clean session as the specification allows — where MQTTnet.Server
/// would refuse it. Like the production ACL, a command is accepted only on <c>…/cmd/{name}/{sender}</c> where
/// {sender} is the publishing client's id.
/// </summary>
public sealed class EmbeddedBroker(MessagingRuntime runtime, ILogger<EmbeddedBroker> logger) : IHostedService, IDisposable
{
    private MqttServer? _server;

    /// <summary>Whether the broker is listening.</summary>
    public bool IsRunning => _server?.IsStarted == true;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var mqtt = runtime.Options.Mqtt;
        if (mqtt.Broker != MqttBrokerKind.Embedded)
        {
            return;
        }

        _server = Create(mqtt.EmbeddedPort, runtime.Topics);
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            MessagingLog.EmbeddedBrokerFailed(logger, mqtt.EmbeddedPort, ex.Message);
            throw new InvalidOperationException(
                $"the embedded MQTT broker cannot listen on 127.0.0.1:{mqtt.EmbeddedPort}: {ex.Message}. Stop the other broker on that port or set mqtt.embedded_port.", ex);
        }

        MessagingLog.EmbeddedBrokerStarted(logger, mqtt.EmbeddedPort);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true })
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _server?.Dispose();

    /// <summary>Creates (without starting) an embedded broker on 127.0.0.1:<paramref name="port"/>.</summary>
    public static MqttServer Create(int port, MqttTopics? topics = null)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .WithDefaultEndpointReuseAddress()
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options, [new ClientIdAssigningAdapter(new MqttTcpServerAdapter())]);
        server.ValidatingConnectionAsync += args =>
        {
            if (string.IsNullOrEmpty(args.ClientId))
            {
                // MQTT 5: the server assigns an id and tells the client in CONNACK.
                args.AssignedClientIdentifier = NewClientId();
                args.ReasonCode = MqttConnectReasonCode.Success;
            }

            return Task.CompletedTask;
        };
        if (topics is not null)
        {
            server.InterceptingPublishAsync += args =>
            {
                if (topics.TryParseCommand(args.ApplicationMessage.Topic, out _, out var sender) && sender != args.ClientId)
                {
                    args.ProcessPublish = false;
                    args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
                    args.Response.ReasonString = "commands must be published under the sender's own client id";
                }

                return Task.CompletedTask;
            };
        }

        return server;
    }

    private static string NewClientId() => "auto-" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Wraps the TCP listener so an MQTT 3.1.1 CONNECT with an empty client id and a clean session gets a
    /// generated id before MQTTnet validates it (MQTT 3.1.1 §3.1.3.1 lets the server assign one). An empty id
    /// without a clean session is left alone and refused, as the specification requires.
    /// </summary>
    private sealed class ClientIdAssigningAdapter(MqttTcpServerAdapter inner) : IMqttServerAdapter
    {
        public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

        public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
        {
            inner.ClientHandler = channel => ClientHandler is { } handler ? handler(new Channel(channel)) : Task.CompletedTask;
            return inner.StartAsync(options, logger);
        }

        public Task StopAsync() => inner.StopAsync();

        public void Dispose() => inner.Dispose();
    }

    private sealed class Channel(IMqttChannelAdapter inner) : IMqttChannelAdapter
    {
        private bool _first = true;

        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public System.Security.Cryptography.X509Certificates.X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            var packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            if (_first)
            {
                _first = false;
                if (packet is MqttConnectPacket { CleanSession: true } connect &&
                    string.IsNullOrEmpty(connect.ClientId) &&
                    inner.PacketFormatterAdapter.ProtocolVersion != MqttProtocolVersion.V500)
                {
                    connect.ClientId = NewClientId();
                }
            }

            return packet;
        }

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
