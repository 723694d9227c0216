using System.Text.Json;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Networking;
using PortScanEdge.Messaging.Tests.Infrastructure;

namespace PortScanEdge.Messaging.Tests;

/// <summary>Gateway → real Mosquitto → stock mosquitto_sub; every payload validated against docs/schemas.</summary>
public sealed class RoundTripTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(MqttProtocol.V5)]
    [InlineData(MqttProtocol.V311)]
    public async Task EveryKind_ReadByMosquittoSub_InOrderAndValidAgainstSchemas(MqttProtocol protocol)
    {
        using var broker = Mosquitto.Start();
        using var sub = await MosquittoSub.StartAsync(broker.Port, "portscan/#");
        var options = TestGateway.CreateOptions([broker.Uri]);
        options.Mqtt.Protocol = protocol;
        await using var gateway = await TestGateway.StartAsync(options, health: new Samples.FixedHealth(), gauges: new Samples.FixedGauges());
        await gateway.WaitConnectedAsync();

        var publisher = gateway.Publisher;
        var receipts = new List<Publishing.PublishReceipt>
        {
            await publisher.PublishLaneStateAsync(Samples.LaneState("lane-1")),
            await publisher.PublishRecordAsync(Samples.Record("lane-1")),
            await publisher.PublishAlertAsync(Samples.Alert("lane-1")),
            await publisher.PublishDecisionAsync(Samples.Decision("lane-1")),
            await publisher.PublishDeviceHealthAsync(Samples.Health()),
            await publisher.PublishAuditCheckpointAsync(Samples.Checkpoint()),
        };
        await gateway.Telemetry.PublishAsync(CancellationToken.None);

        var messages = await sub.WaitForAsync(
            m => receipts.All(r => m.Any(x => x.Payload.Contains(r.MessageId, StringComparison.Ordinal)))
                 && m.Any(x => x.Topic.EndsWith("/telemetry", StringComparison.Ordinal)) && m.Any(x => x.Topic == gateway.Topics.Health),
            Wait, "every published kind");

        var topics = gateway.Topics;
        Assert.Contains(messages, m => m.Topic == topics.Availability && m.Json.GetProperty("data").GetProperty("status").GetString() == "online");
        Assert.Contains(messages, m => m.Topic == topics.Birth);
        var health = messages.Single(m => m.Topic == topics.Health);
        var gauges = messages.First(m => m.Topic.EndsWith("/telemetry", StringComparison.Ordinal)).Json.GetProperty("data").GetProperty("gauges");
        Assert.Equal(["detection.queue_depth", "lane-1.vehicles"], gauges.EnumerateObject().Select(g => g.Name));
        Assert.Equal(3, gauges.GetProperty("lane-1.vehicles").GetDouble());
        Assert.Equal("unready", health.Json.GetProperty("data").GetProperty("status").GetString());
        foreach (var message in messages)
        {
            PayloadSchemas.AssertValid(message.Topic, message.Payload);
        }

        // Lane messages share one per-lane sequence, in the order they were handed over.
        var lane = messages.Where(m => m.Topic.Contains("/lanes/lane-1/", StringComparison.Ordinal)).Select(m => m.Json.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal([1, 2, 3, 4], lane);
        var record = messages.Single(m => m.Topic == topics.Records("lane-1"));
        Assert.Equal(1, record.Qos);
        Assert.Equal("portscan.vehicle_record", record.Json.GetProperty("schema").GetString());
        Assert.Equal("lane-1", record.Json.GetProperty("lane_id").GetString());
        Assert.Equal(receipts[1].MessageId, record.Json.GetProperty("message_id").GetString());
    }

    [Fact]
    public async Task RetainedState_SeenByLateSubscriber_AndCleanShutdownPublishesOffline()
    {
        using var broker = Mosquitto.Start();
        var gateway = await TestGateway.StartAsync(TestGateway.CreateOptions([broker.Uri]));
        await gateway.WaitConnectedAsync();
        await gateway.Publisher.PublishLaneStateAsync(Samples.LaneState("lane-2", Contracts.LaneStatus.Closed));
        await gateway.Publisher.PublishDeviceHealthAsync(Samples.Health("plate-front-1"));
        await gateway.Relay.WaitUntilDrainedAsync(Wait);

        var topics = gateway.Topics;
        using (var late = await MosquittoSub.StartAsync(broker.Port, "portscan/#"))
        {
            var retained = await late.WaitForAsync(m => m.Count >= 4, Wait, "retained availability, birth, lane state and health");
            Assert.All(retained, m => Assert.True(m.Retained, m.Topic));
            Assert.Contains(retained, m => m.Topic == topics.LaneState("lane-2") && m.Json.GetProperty("data").GetProperty("status").GetString() == "closed");
            Assert.Contains(retained, m => m.Topic == topics.DeviceHealth("plate-front-1"));
            Assert.Contains(retained, m => m.Topic == topics.Birth);
            Assert.Contains(retained, m => m.Topic == topics.Availability && m.Json.GetProperty("data").GetProperty("status").GetString() == "online");
        }

        await gateway.DisposeAsync();
        using var after = await MosquittoSub.StartAsync(broker.Port, topics.Availability);
        var offline = await after.WaitForTopicAsync(topics.Availability, Wait);
        var data = offline.Json.GetProperty("data");
        Assert.Equal("offline", data.GetProperty("status").GetString());
        Assert.Equal("shutdown", data.GetProperty("reason").GetString());
        PayloadSchemas.AssertValid(offline.Topic, offline.Payload);
    }

    [Fact]
    public async Task Failover_FirstUriDown_ConnectsToSecond()
    {
        using var broker = Mosquitto.Start();
        var dead = $"mqtt://127.0.0.1:{LoopbackPort.PickFree()}";
        await using var gateway = await TestGateway.StartAsync(TestGateway.CreateOptions([dead, broker.Uri]));
        await gateway.WaitConnectedAsync();
        Assert.Equal(broker.Uri, gateway.Supervisor.Current!.Endpoint.Uri);
    }

    [Fact]
    public async Task BrokerRestart_GatewayReconnectsAndPublishesBirthAgain()
    {
        using var broker = Mosquitto.Start();
        await using var gateway = await TestGateway.StartAsync(TestGateway.CreateOptions([broker.Uri]));
        await gateway.WaitConnectedAsync();
        broker.Stop();
        await Task.Delay(1500);
        broker.Start();
        using var sub = await MosquittoSub.StartAsync(broker.Port, gateway.Topics.Birth);
        var birth = await sub.WaitForTopicAsync(gateway.Topics.Birth, Wait, m => m.Json.GetProperty("data").GetProperty("connect_count").GetInt64() >= 2);
        PayloadSchemas.AssertValid(birth.Topic, birth.Payload);
    }
}
