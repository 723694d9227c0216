using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Integrity.Audit;
using PortScanEdge.Integrity.Hosting;

namespace PortScanEdge.Integrity.Tests;

public class CheckpointTests
{
    [Fact]
    public async Task Checkpoint_IsSignedWrittenLocallyAndPublished_OnlyWhenTheHeadMoved()
    {
        using var dir = new TempDir();
        using var log = Fixtures.OpenLog(dir);
        var publisher = new RecordingPublisher();
        using var checkpointer = new AuditCheckpointer(log, [publisher], dir.File("audit/checkpoints.jsonl"));
        await log.AppendAsync(AuditKind.GatewayStart, new { v = 1 });

        var first = await checkpointer.CheckpointAsync(force: false);
        var unchanged = await checkpointer.CheckpointAsync(force: false);
        await log.AppendAsync(AuditKind.Command, new { c = "x" });
        var second = await checkpointer.CheckpointAsync(force: false);
        var forced = await checkpointer.CheckpointAsync(force: true);

        Assert.NotNull(first);
        Assert.Null(unchanged);
        Assert.Equal(1, first!.Seq);
        Assert.Equal(2, second!.Seq);
        Assert.Equal(log.Head.Hash, second.Hash);
        Assert.Equal(2, forced!.Seq);
        Assert.Equal([1L, 2L, 2L], publisher.Received.Select(c => c.Seq));
        Assert.True(second.Verify(log.PublicKey, out var problem), problem);
        Assert.Equal(log.PublicKey.Fingerprint, second.KeyFingerprint);

        var stored = AuditCheckpoint.ReadFile(dir.File("audit/checkpoints.jsonl"));
        Assert.Equal(publisher.Received, stored);
        Assert.Equal(second, AuditCheckpointer.FindCovering(dir.File("audit/checkpoints.jsonl"), 2, log.PublicKey));
        Assert.Null(AuditCheckpointer.FindCovering(dir.File("audit/checkpoints.jsonl"), 3, log.PublicKey));
    }

    [Fact]
    public async Task FailingOrHangingPublisher_DoesNotStopTheOthersOrTheLocalFile()
    {
        using var dir = new TempDir();
        using var log = Fixtures.OpenLog(dir);
        var good = new RecordingPublisher();
        using var checkpointer = new AuditCheckpointer(log, [new ThrowingPublisher(), good], dir.File("cp.jsonl"));
        await log.AppendAsync(AuditKind.GatewayStart, new { v = 1 });

        var checkpoint = await checkpointer.CheckpointAsync(force: true);

        Assert.Single(good.Received);
        Assert.Single(AuditCheckpoint.ReadFile(dir.File("cp.jsonl")));
        Assert.Equal(1, checkpoint!.Seq);
    }

    [Fact]
    public void Checkpoint_PreimageIsTheDocumentedText()
    {
        var checkpoint = new AuditCheckpoint("demo-port", "gw-1", 42, new string('a', 64), "2026-11-29T12:00:00.000Z", new string('b', 64), "AA==");

        Assert.Equal(
            $"portscan-edge-audit-checkpoint/1\nsite_id=demo-port\ngateway_id=gw-1\nseq=42\nhash={new string('a', 64)}\nat=2026-11-29T12:00:00.000Z\nkey_fingerprint={new string('b', 64)}\n",
            Encoding.UTF8.GetString(checkpoint.Preimage()));
        var parsed = AuditCheckpoint.ParseMany(checkpoint.ToJson(), "test");
        Assert.Equal(checkpoint, Assert.Single(parsed));
        Assert.Equal(2, AuditCheckpoint.ParseMany("[" + checkpoint.ToJson() + "," + checkpoint.ToJson() + "]", "t").Count);
        Assert.Equal(2, AuditCheckpoint.ParseMany(checkpoint.ToJson() + "\n" + checkpoint.ToJson() + "\n", "t").Count);
        Assert.Throws<FormatException>(() => AuditCheckpoint.ParseMany("{\"format\":\"other\"}", "t"));
    }

    [Fact]
    public async Task HostedService_WritesStartAndStopEntriesAndCheckpointsAndConfigChanges()
    {
        using var dir = new TempDir();
        var configPath = dir.File("site.yaml");
        await File.WriteAllTextAsync(configPath, "threshold: 0.5\n");
        var publisher = new RecordingPublisher();

        await RunHostAsync(dir, configPath, publisher, o => o.Detection.Threshold = 0.5);
        await File.WriteAllTextAsync(configPath, "threshold: 0.6\n");
        await RunHostAsync(dir, configPath, publisher, o => o.Detection.Threshold = 0.6);

        var entries = (await File.ReadAllLinesAsync(dir.File("data/audit/audit.log")))
            .Select(l => AuditEntryFormat.TryParse(Encoding.UTF8.GetBytes(l), out var e, out _) ? e! : throw new InvalidOperationException(l))
            .ToArray();
        Assert.Equal(
            [AuditKind.GatewayStart, AuditKind.GatewayStop, AuditKind.GatewayStart, AuditKind.ConfigChange, AuditKind.GatewayStop],
            entries.Select(e => e.Kind));
        Assert.Contains("BEGIN PUBLIC KEY", entries[0].PayloadString("public_key"), StringComparison.Ordinal);
        Assert.Equal("1 setting changed: detection.threshold", entries[3].PayloadString("summary"));
        Assert.Equal([1L, 2L, 4L, 5L], publisher.Received.Select(c => c.Seq));
        Assert.Equal(4, AuditCheckpoint.ReadFile(dir.File("data/audit/checkpoints.jsonl")).Count);
        Assert.Equal(5, Chain.Check(dir.File("data/audit/audit.log")));
    }

    private static async Task RunHostAsync(TempDir dir, string configPath, RecordingPublisher publisher, Action<PortScanEdgeOptions> configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddOptions<PortScanEdgeOptions>().Configure(o =>
        {
            o.Site.Id = "demo-port";
            o.Gateway.Id = "gw-1";
            o.Gateway.DataDir = dir.File("data");
            o.Lanes.Add(new LaneOptions { Id = "lane-1" });
            configure(o);
        });
        builder.Services.AddSingleton<ICheckpointPublisher>(publisher);
        builder.Services.AddPortScanEdgeAudit("portscan-edge test", configPath);
        using var host = builder.Build();
        await host.StartAsync();
        Assert.True(host.Services.GetRequiredService<IAuditLog>().Head.Seq > 0);
        await host.StopAsync();
    }

    private sealed class RecordingPublisher : ICheckpointPublisher
    {
        public List<AuditCheckpoint> Received { get; } = [];

        public Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            Received.Add(checkpoint);
            return Task.CompletedTask;
        }
    }

    private sealed class ThrowingPublisher : ICheckpointPublisher
    {
        public Task PublishAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken) => throw new IOException("broker down");
    }
}
