using MQTTnet;
using PortScanEdge.Messaging.Broker;
using PortScanEdge.Messaging.Connection;
using PortScanEdge.Messaging.Tests.Infrastructure;

namespace PortScanEdge.Messaging.Tests;

/// <summary>Mutual TLS with openssl-made certificates, host-name validation, and a bridge between two brokers.</summary>
public sealed class SecurityAndBridgeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static MosquittoProcess StartTlsBroker(TestCertificates certificates) => Mosquitto.StartWithConfig($"""
        per_listener_settings false
        allow_anonymous true
        persistence false
        log_dest stdout
        listener {"{PORT}"} 127.0.0.1
        cafile {certificates.Ca}
        certfile {certificates.ServerCert}
        keyfile {certificates.ServerKey}
        require_certificate true
        use_identity_as_username true
        tls_version tlsv1.2
        """);

    [Fact]
    public async Task MutualTls_GatewayWithCertificate_PublishesAndMosquittoSubWithCertificateReads()
    {
        var certificates = await TestCertificates.CreateAsync("gw-test", "control-room");
        using var broker = StartTlsBroker(certificates);
        using var sub = await MosquittoSub.StartAsync(broker.Port, "portscan/#",
            "-h", "localhost", "--cafile", certificates.Ca, "--cert", certificates.Cert("control-room"), "--key", certificates.Key("control-room"));
        var options = TestGateway.CreateOptions([$"mqtts://localhost:{broker.Port}"]);
        options.Mqtt.Tls.CaFile = certificates.Ca;
        options.Mqtt.Tls.CertFile = certificates.Cert("gw-test");
        options.Mqtt.Tls.KeyFile = certificates.Key("gw-test");
        await using var gateway = await TestGateway.StartAsync(options);
        await gateway.WaitConnectedAsync();
        var receipt = await gateway.Publisher.PublishRecordAsync(Samples.Record("lane-1"));
        var record = await sub.WaitForTopicAsync(gateway.Topics.Records("lane-1"), Wait);
        Assert.Equal(receipt.MessageId, record.Json.GetProperty("message_id").GetString());
        PayloadSchemas.AssertValid(record.Topic, record.Payload);
    }

    [Fact]
    public async Task MutualTls_ClientWithoutCertificate_IsRefused()
    {
        var certificates = await TestCertificates.CreateAsync();
        using var broker = StartTlsBroker(certificates);
        var options = TestGateway.CreateOptions([$"mqtts://localhost:{broker.Port}"]);
        options.Mqtt.Tls.CaFile = certificates.Ca;
        using var client = new MqttClientFactory().CreateMqttClient();
        var clientOptions = MqttClientOptionsFactory.Create(options, BrokerEndpoint.Parse(options.Mqtt.Uris[0]), null);
        var refused = false;
        try
        {
            var result = await client.ConnectAsync(clientOptions);
            refused = result.ResultCode != MqttClientConnectResultCode.Success;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or IOException)
        {
            refused = true;
        }

        Assert.True(refused, "a client without a certificate must not connect");
        Assert.False(client.IsConnected);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task HostnameValidation_CertificateForLocalhost_ReachedAs127001(bool validate, bool connects)
    {
        var certificates = await TestCertificates.CreateAsync("gw-test");
        using var broker = StartTlsBroker(certificates);
        var options = TestGateway.CreateOptions([$"mqtts://127.0.0.1:{broker.Port}"]);
        options.Mqtt.Tls.CaFile = certificates.Ca;
        options.Mqtt.Tls.CertFile = certificates.Cert("gw-test");
        options.Mqtt.Tls.KeyFile = certificates.Key("gw-test");
        options.Mqtt.Tls.ValidateHostname = validate;
        await using var gateway = await TestGateway.StartAsync(options);
        var connected = true;
        try
        {
            await gateway.WaitConnectedAsync(TimeSpan.FromSeconds(4));
        }
        catch (OperationCanceledException)
        {
            connected = false;
        }

        Assert.Equal(connects, connected);
    }

    [Fact]
    public async Task Bridge_PortBrokerToCentralBroker_CarriesRecordsAndRetainedAvailability()
    {
        using var central = Mosquitto.Start();
        using var port = Mosquitto.Start($"""
            connection to-central
            address 127.0.0.1:{central.Port}
            topic portscan/# out 1
            cleansession true
            bridge_protocol_version mqttv311
            """);
        using var sub = await MosquittoSub.StartAsync(central.Port, "portscan/#");
        await using var gateway = await TestGateway.StartAsync(TestGateway.CreateOptions([port.Uri]));
        await gateway.WaitConnectedAsync();
        var receipt = await gateway.Publisher.PublishRecordAsync(Samples.Record("lane-2"));
        var record = await sub.WaitForTopicAsync(gateway.Topics.Records("lane-2"), Wait);
        Assert.Equal(receipt.MessageId, record.Json.GetProperty("message_id").GetString());
        await sub.WaitForTopicAsync(gateway.Topics.Availability, Wait);
    }
}
