using Microsoft.Extensions.Time.Testing;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Networking;
using PortScanEdge.Messaging.Connection;
using PortScanEdge.Messaging.Outbox;
using PortScanEdge.Messaging.Tests.Infrastructure;

namespace PortScanEdge.Messaging.Tests;

/// <summary>The embedded demo broker with stock clients, the AsyncAPI document, and the outbox's own rules.</summary>
public sealed class EmbeddedBrokerAndDocsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task EmbeddedBroker_StockMosquittoSubWithoutClientId_SeesRetainedAvailabilityAndBirth(string version)
    {
        var options = TestGateway.CreateOptions([]);
        options.Mqtt.Broker = MqttBrokerKind.Embedded;
        options.Mqtt.EmbeddedPort = LoopbackPort.PickFree();
        await using var gateway = await TestGateway.StartAsync(options);
        await gateway.WaitConnectedAsync();

        // Exactly what a control-room user types: no -i, so an empty client id.
        using var sub = await MosquittoSub.StartAsync(options.Mqtt.EmbeddedPort, "#", "-V", version);
        var availability = await sub.WaitForTopicAsync(gateway.Topics.Availability, Wait);
        Assert.True(availability.Retained);
        await sub.WaitForTopicAsync(gateway.Topics.Birth, Wait);
        var receipt = await gateway.Publisher.PublishRecordAsync(Samples.Record("lane-1"));
        var record = await sub.WaitForTopicAsync(gateway.Topics.Records("lane-1"), Wait);
        Assert.Contains(receipt.MessageId, record.Payload, StringComparison.Ordinal);
        foreach (var message in sub.Messages)
        {
            PayloadSchemas.AssertValid(message.Topic, message.Payload);
        }
    }

    [Fact]
    public void Schemas_RejectPayloadThatBreaksTheContract()
    {
        var bad = """{"schema":"portscan.alert","schema_version":1,"message_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","sent_at":"2026-01-01T00:00:00Z","site_id":"s","gateway_id":"g","lane_id":"lane-1","sequence":1,"data":{"lane_id":"lane-1"}}""";
        Assert.NotEmpty(PayloadSchemas.Validate("alert.json", bad));
    }

    [Fact]
    public async Task AsyncApiDocument_ValidatesWithAsyncApiCli()
    {
        var (exitCode, stdout, stderr) = await ShellProcess.RunAsync(
            "npx",
            ["-y", "@asyncapi/cli@6.2.0", "validate", "docs/asyncapi.yaml"],
            TimeSpan.FromMinutes(5),
            new Dictionary<string, string?> { ["ASYNCAPI_METRICS"] = "false" },
            RepositoryPaths.Root);
        Assert.True(exitCode == 0, $"asyncapi validate failed ({exitCode}):\n{stdout}\n{stderr}");
        Assert.Contains("is valid", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outbox_SequencesSurviveReopen_CapacityBoundDropsOldestAndCounts()
    {
        var path = Path.Combine(TempDirectory.Create("outbox"), "outbox.db");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var envelopes = new EnvelopeFactory("s", "g");
        using var metrics = new MessagingMetrics();
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var limits = new OutboxLimits(5, 1024 * 1024, TimeSpan.FromHours(1));
        await using (var outbox = SqliteOutbox.Open(path, limits, envelopes, time, logger, metrics))
        {
            for (var i = 0; i < 3; i++)
            {
                await outbox.EnqueueAsync(new PendingMessage(Streams.Lane("lane-1"), "lane-1", "portscan.alert", "t", new { i }, false));
            }
        }

        await using (var outbox = SqliteOutbox.Open(path, limits, envelopes, time, logger, metrics))
        {
            Assert.Equal(3, outbox.Depth);
            var entry = await outbox.EnqueueAsync(new PendingMessage(Streams.Lane("lane-1"), "lane-1", "portscan.alert", "t", new { i = 3 }, false));
            Assert.Equal(4, entry.Sequence);
            for (var i = 0; i < 4; i++)
            {
                await outbox.EnqueueAsync(new PendingMessage(Streams.Lane("lane-1"), "lane-1", "portscan.alert", "t", new { i }, false));
            }

            Assert.Equal(5, outbox.Depth);
            Assert.Equal(3, outbox.Stats.DroppedByCapacity);
            Assert.Equal([4L, 5, 6, 7, 8], outbox.ReadAfter(0, 100).Select(e => e.Sequence));

            time.Advance(TimeSpan.FromHours(2));
            Assert.Equal(5, await outbox.PurgeExpiredAsync());
            Assert.Equal(0, outbox.Depth);
            Assert.Equal(5, outbox.Stats.DroppedByAge);
        }
    }

    [Fact]
    public void Backoff_GrowsWithJitterUpToMaximum_AndResets()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), new Random(1));
        var delays = Enumerable.Range(0, 10).Select(_ => backoff.Next().TotalMilliseconds).ToList();
        Assert.InRange(delays[0], 50, 100);
        Assert.InRange(delays[3], 400, 800);
        Assert.All(delays.Skip(6), d => Assert.InRange(d, 1000, 2000));
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }
}
