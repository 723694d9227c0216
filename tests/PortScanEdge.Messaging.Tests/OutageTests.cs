using System.Diagnostics;
using PortScanEdge.Core.Networking;
using PortScanEdge.Messaging.Tests.Infrastructure;

namespace PortScanEdge.Messaging.Tests;

/// <summary>The gateway as a separate process that the test kills with SIGKILL.</summary>
public sealed class OutageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task LastWill_GatewayKilled_BrokerPublishesRetainedOffline()
    {
        using var broker = Mosquitto.Start();
        var data = TempDirectory.Create("lwt");
        using var gateway = GatewayProcess.Start(broker.Uri, data, lanes: 1, count: 0);
        await gateway.WaitForAsync("CONNECTED", Wait);
        var topic = "portscan/v1/test-port/gw-outage/availability";
        using (var sub = await MosquittoSub.StartAsync(broker.Port, topic))
        {
            var online = await sub.WaitForTopicAsync(topic, Wait);
            Assert.Equal("online", online.Json.GetProperty("data").GetProperty("status").GetString());
        }

        gateway.Kill();
        using var after = await MosquittoSub.StartAsync(broker.Port, topic);
        var offline = await after.WaitForTopicAsync(topic, Wait, m => m.Json.GetProperty("data").GetProperty("status").GetString() == "offline");
        Assert.True(offline.Retained);
        Assert.Equal("connection_lost", offline.Json.GetProperty("data").GetProperty("reason").GetString());
        PayloadSchemas.AssertValid(offline.Topic, offline.Payload);
    }

    [Fact]
    public async Task Outage_BrokerDownGatewayKilled_AllRecordsDeliveredInOrderPerLaneAfterRestart()
    {
        const int Count = 300;
        const int Lanes = 3;
        var port = LoopbackPort.PickFree();
        var uri = $"mqtt://127.0.0.1:{port}";
        var data = TempDirectory.Create("outage");
        var receiptsPath = Path.Combine(data, "receipts.txt");

        // 1. Broker down: the gateway commits N records to its outbox, then is killed with SIGKILL.
        using (var gateway = GatewayProcess.Start(uri, data, Lanes, Count, receiptsPath))
        {
            await gateway.WaitForAsync("PRODUCED", Wait);
            gateway.Kill();
        }

        var receipts = File.ReadAllLines(receiptsPath).Select(l => l.Split(' ')).Select(p => (Lane: p[0], MessageId: p[1], Sequence: long.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(Count, receipts.Count);

        // 2. Restart both: broker, a subscriber, the gateway (producing nothing new).
        using var broker = Mosquitto.Start(port: port);
        using var sub = await MosquittoSub.StartAsync(broker.Port, "portscan/v1/test-port/gw-outage/lanes/+/records");
        using var restarted = GatewayProcess.Start(uri, data, Lanes, 0);
        var expected = receipts.Select(r => r.MessageId).ToHashSet();
        var messages = await sub.WaitForAsync(m => expected.IsSubsetOf(m.Select(x => x.Json.GetProperty("message_id").GetString()!)), Wait, $"all {Count} records");

        // 3. All delivered; first deliveries in order per lane; duplicates (if any) carry the same message_id.
        var firstSeen = new List<(string Lane, string MessageId, long Sequence)>();
        var seen = new HashSet<string>();
        foreach (var message in messages)
        {
            var json = message.Json;
            var id = json.GetProperty("message_id").GetString()!;
            if (seen.Add(id))
            {
                firstSeen.Add((json.GetProperty("lane_id").GetString()!, id, json.GetProperty("sequence").GetInt64()));
            }

            PayloadSchemas.AssertValid(message.Topic, message.Payload);
        }

        foreach (var lane in firstSeen.GroupBy(m => m.Lane))
        {
            var sequences = lane.Select(m => m.Sequence).ToList();
            Assert.Equal(Enumerable.Range(1, Count / Lanes).Select(i => (long)i), sequences);
            Assert.Equal(receipts.Where(r => r.Lane == lane.Key).Select(r => r.MessageId), lane.Select(m => m.MessageId));
        }
    }
}

/// <summary>The test assembly run as a gateway process (see Program.cs).</summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private GatewayProcess(Process process) => _process = process;

    public static GatewayProcess Start(string uri, string dataDir, int lanes, int count, string? receipts = null)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { typeof(GatewayProcess).Assembly.Location, "gateway", uri, dataDir, lanes.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture), receipts ?? Path.Combine(dataDir, "receipts-ignored.txt") })
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var gateway = new GatewayProcess(process);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    public async Task WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_output)
            {
                if (_output.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        lock (_output)
        {
            throw new TimeoutException($"gateway process did not print {text}:\n{_output}");
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
