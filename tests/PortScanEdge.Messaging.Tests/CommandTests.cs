using System.Buffers;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using PortScanEdge.Messaging.Commands;
using PortScanEdge.Messaging.Tests.Infrastructure;

namespace PortScanEdge.Messaging.Tests;

/// <summary>Commands over a real broker: MQTT 5 request/response, authorisation, validation, idempotency.</summary>
public sealed class CommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Commands_AuthorisedValidatedAndAnswered_RefusalsCarryReasonAndChangeNothing()
    {
        using var broker = Mosquitto.Start();
        var options = TestGateway.CreateOptions([broker.Uri]);
        options.Mqtt.Commands.AllowedSenders.Add("control-room");
        await using var gateway = await TestGateway.StartAsync(options);
        var lane = new FakeLane("lane-1");
        using var registration = gateway.Commands.Register(lane);
        await gateway.WaitConnectedAsync();

        await using var room = await ControlRoom.ConnectAsync(broker.Port, "control-room");
        var topics = gateway.Topics;

        var pong = await room.SendAsync(topics.Command("ping", "control-room"), """{"request_id":"r1"}""");
        Assert.Equal("accepted", pong.Status);
        Assert.Equal("pong", pong.Reason);

        var set = await room.SendAsync(topics.Command("set_threshold", "control-room"), """{"request_id":"r2","lane_id":"lane-1","threshold":0.4,"reason":"night shift"}""");
        Assert.Equal("accepted", set.Status);
        Assert.Equal([0.4], lane.Thresholds);

        async Task Refused(string name, string sender, string payload, string reasonPart, bool retain = false)
        {
            var response = await room.SendAsync(topics.Command(name, sender), payload, retain);
            Assert.Equal("refused", response.Status);
            Assert.Contains(reasonPart, response.Reason, StringComparison.Ordinal);
            Assert.Equal(response.Reason, response.UserPropertyReason);
        }

        await Refused("set_threshold", "control-room", """{"request_id":"r3","lane_id":"lane-1","threshold":1.0}""", "out of range");
        await Refused("self_destruct", "control-room", """{"request_id":"r4","lane_id":"lane-1"}""", "unknown command");
        await Refused("close_lane", "control-room", "not json", "malformed");
        await Refused("close_lane", "control-room", """{"request_id":"r5","lane_id":"lane-1","force":true}""", "unknown field 'force'");
        await Refused("close_lane", "control-room", """{"lane_id":"lane-1"}""", "request_id");
        await Refused("close_lane", "control-room", """{"request_id":"r6","lane_id":"lane-9"}""", "unknown lane");
        await Refused("close_lane", "control-room", """{"request_id":"r7","lane_id":"lane-2"}""", "not accepting commands");
        await Refused("close_lane", "intruder", """{"request_id":"r8","lane_id":"lane-1"}""", "not authorised");
        await Refused("set_threshold", "control-room", """{"request_id":"r9","lane_id":"lane-1","threshold":"high"}""", "must be a number");
        Assert.Equal(0, lane.Closes);
        Assert.Equal([0.4], lane.Thresholds);

        var close = await room.SendAsync(topics.Command("close_lane", "control-room"), """{"request_id":"r11","lane_id":"lane-1"}""");
        Assert.Equal("accepted", close.Status);
        var again = await room.SendAsync(topics.Command("close_lane", "control-room"), """{"request_id":"r11","lane_id":"lane-1"}""");
        Assert.True(again.Duplicate);
        Assert.Equal(1, lane.Closes);

        lane.RefuseNext = "vehicle in the lane; close after it leaves";
        var refusedByLane = await room.SendAsync(topics.Command("open_lane", "control-room"), """{"request_id":"r12","lane_id":"lane-1"}""");
        Assert.Equal("refused", refusedByLane.Status);
        Assert.Equal("vehicle in the lane; close after it leaves", refusedByLane.Reason);

        foreach (var payload in room.Responses)
        {
            PayloadSchemas.AssertValid(topics.DefaultResponse("ping", "control-room"), payload);
        }
    }

    [Fact]
    public async Task RetainedCommand_DeliveredOnSubscribe_IsRefusedNotExecuted()
    {
        using var broker = Mosquitto.Start();
        var options = TestGateway.CreateOptions([broker.Uri]);
        options.Mqtt.Commands.AllowedSenders.Add("control-room");
        await using var room = await ControlRoom.ConnectAsync(broker.Port, "control-room");
        var topics = new MqttTopics(options.Mqtt.TopicRoot, options.Site.Id, options.Gateway.Id);
        var response = room.SendAsync(topics.Command("close_lane", "control-room"), """{"request_id":"stale","lane_id":"lane-1"}""", retain: true);
        await Task.Delay(500);
        await using var gateway = await TestGateway.StartAsync(options);
        var lane = new FakeLane("lane-1");
        using var registration = gateway.Commands.Register(lane);
        var refused = await response;
        Assert.Equal("refused", refused.Status);
        Assert.Contains("retained", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(0, lane.Closes);
    }

    [Fact]
    public async Task Mqtt311Sender_GetsResponseOnDefaultTopic()
    {
        using var broker = Mosquitto.Start();
        var options = TestGateway.CreateOptions([broker.Uri]);
        options.Mqtt.Commands.AllowedSenders.Add("ops");
        await using var gateway = await TestGateway.StartAsync(options);
        await gateway.WaitConnectedAsync();
        var responseTopic = gateway.Topics.DefaultResponse("ping", "ops");
        using var sub = await MosquittoSub.StartAsync(broker.Port, responseTopic);
        await Run("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", "ops", "-q", "1",
            "-t", gateway.Topics.Command("ping", "ops"), "-m", """{"request_id":"from-shell"}""");
        var response = await sub.WaitForTopicAsync(responseTopic, Wait);
        Assert.Equal("accepted", response.Json.GetProperty("data").GetProperty("status").GetString());
        PayloadSchemas.AssertValid(response.Topic, response.Payload);
    }

    [Fact]
    public async Task BrokerAcl_ClientCannotCommandUnderAnotherIdentity()
    {
        var directory = TempDirectory.Create("acl");
        await File.WriteAllTextAsync(Path.Combine(directory, "acl"), """
            user gw-test
            topic readwrite portscan/v1/test-port/gw-test/#

            pattern write portscan/v1/+/+/cmd/+/%c
            pattern read portscan/#
            pattern read control/%c/#
            """);
        using var broker = Mosquitto.Start("acl_file {DIR}/acl", directory);
        var options = TestGateway.CreateOptions([broker.Uri]);
        options.Mqtt.Username = "gw-test";
        options.Mqtt.Commands.AllowedSenders.Add("control-room");
        await using var gateway = await TestGateway.StartAsync(options);
        await gateway.WaitConnectedAsync();

        await using var intruder = await ControlRoom.ConnectAsync(broker.Port, "intruder");
        var result = await intruder.PublishAsync(gateway.Topics.Command("close_lane", "control-room"), """{"request_id":"x","lane_id":"lane-1"}""");
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);

        await using var room = await ControlRoom.ConnectAsync(broker.Port, "control-room");
        var pong = await room.SendAsync(gateway.Topics.Command("ping", "control-room"), """{"request_id":"ok"}""", responseTopic: "portscan/v1/test-port/gw-test/cmd/ping/control-room/response");
        Assert.Equal("accepted", pong.Status);
    }

    private static async Task Run(string file, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }

    private sealed class FakeLane(string laneId) : ILaneCommandTarget
    {
        public string LaneId => laneId;

        public List<double> Thresholds { get; } = [];

        public int Closes { get; private set; }

        public string? RefuseNext { get; set; }

        public Task<CommandResult> CloseLaneAsync(CommandContext context, CancellationToken cancellationToken)
        {
            Closes++;
            return Task.FromResult(CommandResult.Done("closed"));
        }

        public Task<CommandResult> OpenLaneAsync(CommandContext context, CancellationToken cancellationToken) =>
            Task.FromResult(RefuseNext is { } reason ? CommandResult.Refuse(reason) : CommandResult.Done("opened"));

        public Task<CommandResult> SetThresholdAsync(double threshold, CommandContext context, CancellationToken cancellationToken)
        {
            Thresholds.Add(threshold);
            return Task.FromResult(CommandResult.Done("threshold set"));
        }

        public Task<CommandResult> RequestRescanAsync(string? transactionId, CommandContext context, CancellationToken cancellationToken) =>
            Task.FromResult(CommandResult.Done("rescan queued"));

        public Task<CommandResult> PingAsync(CommandContext context, CancellationToken cancellationToken) =>
            Task.FromResult(CommandResult.Done("idle", new Dictionary<string, object?> { ["status"] = "idle" }));
    }
}

/// <summary>A control-room client (MQTTnet, MQTT 5) sending commands with a response topic and correlation data.</summary>
internal sealed class ControlRoom : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly string _responseTopic;
    private readonly Dictionary<string, TaskCompletionSource<MqttApplicationMessage>> _pending = [];

    private ControlRoom(IMqttClient client, string clientId)
    {
        _client = client;
        _responseTopic = $"control/{clientId}/responses";
    }

    public List<string> Responses { get; } = [];

    public static async Task<ControlRoom> ConnectAsync(int port, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var room = new ControlRoom(client, clientId);
        client.ApplicationMessageReceivedAsync += args =>
        {
            var correlation = Encoding.UTF8.GetString(args.ApplicationMessage.CorrelationData ?? []);
            lock (room._pending)
            {
                room.Responses.Add(Encoding.UTF8.GetString(args.ApplicationMessage.Payload.ToArray()));
                if (room._pending.Remove(correlation, out var waiter))
                {
                    waiter.TrySetResult(args.ApplicationMessage);
                }
            }

            return Task.CompletedTask;
        };
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        await client.SubscribeAsync(room._responseTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        return room;
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public async Task<Response> SendAsync(string topic, string payload, bool retain = false, string? responseTopic = null)
    {
        var correlation = Guid.NewGuid().ToString("N");
        var waiter = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending[correlation] = waiter;
        }

        if (responseTopic is not null)
        {
            await _client.SubscribeAsync(responseTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(responseTopic ?? _responseTopic)
            .WithCorrelationData(Encoding.UTF8.GetBytes(correlation))
            .Build());
        var message = await waiter.Task.WaitAsync(TimeSpan.FromSeconds(15));
        if (retain)
        {
            // Clear the retained command so it does not linger on the broker.
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Array.Empty<byte>()).WithRetainFlag(true).Build());
        }

        using var json = JsonDocument.Parse(message.Payload.ToArray());
        var data = json.RootElement.GetProperty("data");
        var reasonProperty = message.UserProperties?.FirstOrDefault(p => p.Name == "reason");
        return new Response(
            data.GetProperty("status").GetString()!,
            data.GetProperty("reason").GetString()!,
            data.GetProperty("duplicate").GetBoolean(),
            reasonProperty is null ? null : Encoding.UTF8.GetString(reasonProperty.ValueBuffer.Span));
    }

    public async ValueTask DisposeAsync()
    {
        await _client.TryDisconnectAsync();
        _client.Dispose();
    }

    public sealed record Response(string Status, string Reason, bool Duplicate, string? UserPropertyReason);
}
