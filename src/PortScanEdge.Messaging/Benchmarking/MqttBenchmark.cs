using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;
using PortScanEdge.Messaging.Broker;
using PortScanEdge.Messaging.Connection;
using PortScanEdge.Messaging.Publishing;

namespace PortScanEdge.Messaging.Benchmarking;

/// <summary>Settings of the MQTT benchmark.</summary>
/// <param name="Records">Records for the latency and throughput runs.</param>
/// <param name="Rate">Paced rate of the latency run, records/s.</param>
/// <param name="DrainRecords">Records committed while the broker is down, then drained.</param>
/// <param name="FleetLanes">Lanes (each its own gateway and connection) in the fleet run.</param>
/// <param name="FleetRecordsPerLane">Records each fleet lane publishes.</param>
public sealed record MqttBenchmarkSettings(int Records = 5000, int Rate = 500, int DrainRecords = 20000, int FleetLanes = 50, int FleetRecordsPerLane = 40);

/// <summary>The figures.</summary>
/// <param name="LatencyP50Milliseconds">Publish call → subscriber receipt, median.</param>
/// <param name="LatencyP99Milliseconds">Publish call → subscriber receipt, 99th percentile.</param>
/// <param name="LatencyMaxMilliseconds">Publish call → subscriber receipt, worst.</param>
/// <param name="CommitP50Milliseconds">Publish call → call returned (durable in the outbox), median.</param>
/// <param name="CommitP99Milliseconds">Publish call → call returned, 99th percentile.</param>
/// <param name="DeliveryP50Milliseconds">Call returned → subscriber receipt (relay, broker, subscriber), median.</param>
/// <param name="DeliveryP99Milliseconds">Call returned → subscriber receipt, 99th percentile.</param>
/// <param name="DurableCommits">Outbox transactions committed with an fsync during the latency run.</param>
/// <param name="DurableCommitP50Milliseconds">Duration of those transactions, median.</param>
/// <param name="DurableCommitP99Milliseconds">Duration of those transactions, 99th percentile.</param>
/// <param name="DeferredCommits">Delete-only transactions committed without an fsync during the latency run.</param>
/// <param name="ThroughputRecordsPerSecond">Unpaced: records committed, published and received per second.</param>
/// <param name="DrainRecordsPerSecond">Outbox drain after an outage: records from first to last receipt, per second.</param>
/// <param name="DrainFirstReceiptMilliseconds">Gateway restart → first record received (start and connect).</param>
/// <param name="DrainTotalSeconds">Gateway restart → last record received.</param>
/// <param name="FleetLanes">Lanes in the fleet run.</param>
/// <param name="FleetSent">Records the fleet published.</param>
/// <param name="FleetReceivedDistinct">Distinct records the subscriber received.</param>
/// <param name="FleetLost">Records sent and never received.</param>
/// <param name="FleetOutOfOrder">Receipts whose sequence was not above the previous one on the same topic.</param>
public sealed record MqttBenchmarkResult(
    double LatencyP50Milliseconds,
    double LatencyP99Milliseconds,
    double LatencyMaxMilliseconds,
    double CommitP50Milliseconds,
    double CommitP99Milliseconds,
    double DeliveryP50Milliseconds,
    double DeliveryP99Milliseconds,
    int DurableCommits,
    double DurableCommitP50Milliseconds,
    double DurableCommitP99Milliseconds,
    int DeferredCommits,
    double ThroughputRecordsPerSecond,
    double DrainRecordsPerSecond,
    double DrainFirstReceiptMilliseconds,
    double DrainTotalSeconds,
    int FleetLanes,
    int FleetSent,
    int FleetReceivedDistinct,
    int FleetLost,
    int FleetOutOfOrder);

/// <summary>
/// The messaging benchmark (<c>portscan-edge bench mqtt</c>): the real publisher, outbox and relay against a
/// real Mosquitto started on a free loopback port, read by an MQTTnet subscriber. Measures publish→subscriber
/// latency (p50/p99, from the publisher call to receipt, paced), unpaced records/s, the drain rate of an outbox
/// filled while the broker was down, and a fleet of lanes (each its own gateway and connection) for loss and order.
/// </summary>
public static class MqttBenchmark
{
    /// <summary>The broker under test: anonymous, no persistence, Nagle off, a queue deep enough for every part, no logging.</summary>
    private const string BrokerConfig = "listener {PORT} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nmax_queued_messages 1000000\nlog_dest none\n";

    /// <summary>Runs every part; <paramref name="progress"/> gets one line per part.</summary>
    public static async Task<MqttBenchmarkResult> RunAsync(MqttBenchmarkSettings settings, Action<string> progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var directory = Path.Combine(Path.GetTempPath(), "portscan-bench-mqtt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var broker = MosquittoProcess.Start(Path.Combine(directory, "broker"), BrokerConfig);
        try
        {
            // 1. Latency, paced, split into the commit (publish call → durable) and the delivery (→ subscriber).
            var latency = await LatencyAsync(broker, directory, settings, cancellationToken).ConfigureAwait(false);
            var total = latency.Total;
            var durable = latency.Commits.Where(c => c.Durable).Select(c => c.Milliseconds).Order().ToList();
            var deferred = latency.Commits.Count(c => !c.Durable);
            progress(string.Create(CultureInfo.InvariantCulture, $"latency: {settings.Records} records at {settings.Rate}/s: p50 {Percentile(total, 0.5):0.00} ms, p99 {Percentile(total, 0.99):0.00} ms, max {total[^1]:0.00} ms"));
            progress(string.Create(CultureInfo.InvariantCulture, $"  after a warm-up of {latency.WarmUp.Count} records (1 s at the rate; its own p50 {Percentile(latency.WarmUp, 0.5):0.00} ms, p99 {Percentile(latency.WarmUp, 0.99):0.00} ms, max {latency.WarmUp[^1]:0.00} ms)"));
            progress(string.Create(CultureInfo.InvariantCulture, $"  commit (call → durable): p50 {Percentile(latency.Commit, 0.5):0.00} ms, p99 {Percentile(latency.Commit, 0.99):0.00} ms; delivery (durable → subscriber): p50 {Percentile(latency.Delivery, 0.5):0.00} ms, p99 {Percentile(latency.Delivery, 0.99):0.00} ms"));
            progress(string.Create(CultureInfo.InvariantCulture, $"  outbox transactions: {durable.Count} with fsync (p50 {Percentile(durable, 0.5):0.00} ms, p99 {Percentile(durable, 0.99):0.00} ms), {deferred} delete-only without"));

            // 2. Throughput, unpaced.
            var throughput = await ThroughputAsync(broker, directory, settings.Records, cancellationToken).ConfigureAwait(false);
            progress(string.Create(CultureInfo.InvariantCulture, $"throughput: {throughput:0} records/s (committed to the outbox, published and received)"));

            // 3. Drain after an outage.
            var drain = await DrainAsync(broker, directory, settings.DrainRecords, cancellationToken).ConfigureAwait(false);
            progress(string.Create(CultureInfo.InvariantCulture, $"drain: {settings.DrainRecords} records queued during an outage drained at {drain.RecordsPerSecond:0} records/s (first receipt {drain.FirstReceiptMilliseconds:0} ms after the gateway restart, last after {drain.TotalSeconds:0.00} s)"));

            // 4. Fleet.
            var (sent, received, lost, outOfOrder) = await FleetAsync(broker, directory, settings, cancellationToken).ConfigureAwait(false);
            progress($"fleet: {settings.FleetLanes} lanes, {sent} records sent, {received} received, {lost} lost, {outOfOrder} out of order");
            return new MqttBenchmarkResult(
                Percentile(total, 0.5), Percentile(total, 0.99), total[^1],
                Percentile(latency.Commit, 0.5), Percentile(latency.Commit, 0.99),
                Percentile(latency.Delivery, 0.5), Percentile(latency.Delivery, 0.99),
                durable.Count, Percentile(durable, 0.5), Percentile(durable, 0.99), deferred,
                throughput, drain.RecordsPerSecond, drain.FirstReceiptMilliseconds, drain.TotalSeconds,
                settings.FleetLanes, sent, received, lost, outOfOrder);
        }
        finally
        {
            broker.Stop();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task<LatencyFigures> LatencyAsync(MosquittoProcess broker, string directory, MqttBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var subscriber = await Subscriber.StartAsync(broker.Port, "portscan/#", clock).ConfigureAwait(false);
        await using var gateway = await BenchGateway.StartAsync(broker.Uri, Path.Combine(directory, "latency"), "gw-latency", 1).ConfigureAwait(false);
        using var commits = new CommitRecorder();
        var begin = clock.Elapsed;
        var interval = TimeSpan.FromSeconds(1.0 / settings.Rate);
        var started = new ConcurrentDictionary<string, TimeSpan>();
        var committed = new ConcurrentDictionary<string, TimeSpan>();
        var pending = new List<Task>();
        var warmUp = new HashSet<string>(StringComparer.Ordinal);
        var warmUpCount = settings.Rate; // one second at the rate: JIT, pools and the WAL warm up; not counted
        for (var i = 0; i < warmUpCount + settings.Records; i++)
        {
            var due = begin + (interval * i);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var record = Record("gw-latency", "lane-1", i);
            if (i < warmUpCount)
            {
                warmUp.Add(record.Id);
            }

            started[record.Id] = clock.Elapsed;
            var publish = gateway.Publisher.PublishRecordAsync(record, cancellationToken);
            pending.Add(publish.ContinueWith(_ => committed[record.Id] = clock.Elapsed, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        var received = await subscriber.WaitForAsync(warmUpCount + settings.Records, TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        var all = received.GroupBy(r => r.RecordId).Select(g => g.First()).Where(r => started.ContainsKey(r.RecordId)).ToList();
        var first = all.Where(r => !warmUp.Contains(r.RecordId)).ToList();
        return new LatencyFigures(
            first.Select(r => (r.At - started[r.RecordId]).TotalMilliseconds).Order().ToList(),
            first.Select(r => (committed[r.RecordId] - started[r.RecordId]).TotalMilliseconds).Order().ToList(),
            first.Select(r => (r.At - committed[r.RecordId]).TotalMilliseconds).Order().ToList(),
            commits.Snapshot(),
            all.Where(r => warmUp.Contains(r.RecordId)).Select(r => (r.At - started[r.RecordId]).TotalMilliseconds).Order().ToList());
    }

    private static async Task<double> ThroughputAsync(MosquittoProcess broker, string directory, int count, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var subscriber = await Subscriber.StartAsync(broker.Port, "portscan/#", clock).ConfigureAwait(false);
        await using var gateway = await BenchGateway.StartAsync(broker.Uri, Path.Combine(directory, "throughput"), "gw-throughput", 4).ConfigureAwait(false);
        var begin = clock.Elapsed;
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => gateway.Publisher.PublishRecordAsync(Record("gw-throughput", $"lane-{(i % 4) + 1}", i), cancellationToken))).ConfigureAwait(false);
        var received = await subscriber.WaitForAsync(count, TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        return count / (received.Max(r => r.At) - begin).TotalSeconds;
    }

    /// <summary>
    /// The outage: records are committed while the broker is down and the gateway is stopped; then the broker and
    /// the subscriber start, and the gateway restarts on the same outbox. The rate is records over the time from
    /// the first to the last receipt (the relay's drain); the time to the first receipt (start and connect) is
    /// reported beside it.
    /// </summary>
    private static async Task<DrainFigures> DrainAsync(MosquittoProcess broker, string directory, int count, CancellationToken cancellationToken)
    {
        broker.Stop();
        var dataDir = Path.Combine(directory, "drain");
        await using (var offline = await BenchGateway.StartAsync(broker.Uri, dataDir, "gw-drain", 4).ConfigureAwait(false))
        {
            await Task.WhenAll(Enumerable.Range(0, count).Select(i => offline.Publisher.PublishRecordAsync(Record("gw-drain", $"lane-{(i % 4) + 1}", i), cancellationToken))).ConfigureAwait(false);
        }

        broker.Start();
        var clock = Stopwatch.StartNew();
        await using var subscriber = await Subscriber.StartAsync(broker.Port, "portscan/#", clock).ConfigureAwait(false);
        var begin = clock.Elapsed;
        await using var gateway = await BenchGateway.StartAsync(broker.Uri, dataDir, "gw-drain", 4).ConfigureAwait(false);
        var received = await subscriber.WaitForAsync(count, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        var firstAt = received.Min(r => r.At);
        var lastAt = received.Max(r => r.At);
        return new DrainFigures(count / (lastAt - firstAt).TotalSeconds, (firstAt - begin).TotalMilliseconds, (lastAt - begin).TotalSeconds);
    }

    private static async Task<(int Sent, int Received, int Lost, int OutOfOrder)> FleetAsync(MosquittoProcess broker, string directory, MqttBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var subscriber = await Subscriber.StartAsync(broker.Port, "portscan/#", clock).ConfigureAwait(false);
        var gateways = new List<BenchGateway>();
        try
        {
            for (var lane = 0; lane < settings.FleetLanes; lane++)
            {
                gateways.Add(await BenchGateway.StartAsync(broker.Uri, Path.Combine(directory, "fleet", lane.ToString(CultureInfo.InvariantCulture)), $"gw-fleet-{lane}", 1).ConfigureAwait(false));
            }

            var sent = new ConcurrentDictionary<string, byte>();
            await Task.WhenAll(gateways.Select(async gateway =>
            {
                for (var i = 0; i < settings.FleetRecordsPerLane; i++)
                {
                    var record = Record(gateway.GatewayId, "lane-1", i);
                    await gateway.Publisher.PublishRecordAsync(record, cancellationToken).ConfigureAwait(false);
                    sent[record.Id] = 0;
                    await Task.Delay(200, cancellationToken).ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
            var total = settings.FleetLanes * settings.FleetRecordsPerLane;
            List<Received> received;
            try
            {
                received = await subscriber.WaitForAsync(total, TimeSpan.FromMinutes(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                received = subscriber.Snapshot();
            }

            var distinct = received.GroupBy(r => r.RecordId).Select(g => g.First()).ToList();
            var lost = sent.Keys.Count(id => distinct.All(r => r.RecordId != id));
            var outOfOrder = distinct.GroupBy(r => r.Topic).Sum(g => g.Zip(g.Skip(1)).Count(p => p.Second.Sequence <= p.First.Sequence));
            return (sent.Count, distinct.Count, lost, outOfOrder);
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static VehicleTransaction Record(string gatewayId, string laneId, int index)
    {
        var now = DateTimeOffset.UtcNow;
        return new VehicleTransaction
        {
            Id = Ulid.New(now),
            SiteId = "bench",
            GatewayId = gatewayId,
            LaneId = laneId,
            Direction = LaneDirection.Northbound,
            Revision = index,
            Stage = TransactionStage.Closed,
            Timestamps = new TransactionTimestamps { ArrivedAt = now, ClosedAt = now },
            PlateReads = [new PlateReadRecord("plate-front-1", PlateReaderPosition.Front, now, [new PlateCandidateRecord("ABC1234", 0.93, false, null)])],
            Outcome = TransactionOutcome.Released,
        };
    }

    private sealed record Received(string RecordId, string Topic, long Sequence, TimeSpan At);

    private sealed record LatencyFigures(List<double> Total, List<double> Commit, List<double> Delivery, IReadOnlyList<CommitSample> Commits, List<double> WarmUp);

    private sealed record DrainFigures(double RecordsPerSecond, double FirstReceiptMilliseconds, double TotalSeconds);

    private readonly record struct CommitSample(double Milliseconds, bool Durable);

    /// <summary>Listens to the outbox's commit-duration histogram (tagged durable or not) while it lives.</summary>
    private sealed class CommitRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<CommitSample> _samples = new();

        public CommitRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MessagingMetrics.MeterName && instrument.Name == MessagingMetrics.CommitDurationName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                var durable = true;
                foreach (var tag in tags)
                {
                    if (tag.Key == "durable" && tag.Value is false)
                    {
                        durable = false;
                    }
                }

                _samples.Enqueue(new CommitSample(value, durable));
            });
            _listener.Start();
        }

        public IReadOnlyList<CommitSample> Snapshot() => [.. _samples];

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>
    /// The measuring subscriber. Receipt times come from the one clock given at start (the run's clock), and
    /// completion is signalled from the receive handler when the wanted number of distinct records has arrived:
    /// no polling loop competes with the gateway for the CPU while it is measured.
    /// </summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly IMqttClient _client;
        private readonly Stopwatch _clock;
        private readonly List<Received> _received = [];
        private readonly HashSet<string> _distinct = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private TaskCompletionSource<List<Received>>? _done;
        private int _wanted = int.MaxValue;

        private Subscriber(IMqttClient client, Stopwatch clock)
        {
            _client = client;
            _clock = clock;
        }

        public static async Task<Subscriber> StartAsync(int port, string filter, Stopwatch clock)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var subscriber = new Subscriber(client, clock);
            client.ApplicationMessageReceivedAsync += args =>
            {
                var at = clock.Elapsed;
                if (args.ApplicationMessage.Topic.EndsWith("/records", StringComparison.Ordinal))
                {
                    using var json = JsonDocument.Parse(args.ApplicationMessage.Payload);
                    var root = json.RootElement;
                    subscriber.Add(new Received(root.GetProperty("data").GetProperty("id").GetString()!, args.ApplicationMessage.Topic, root.GetProperty("sequence").GetInt64(), at));
                }

                return Task.CompletedTask;
            };
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bench-sub-" + Guid.NewGuid().ToString("N")).Build()).ConfigureAwait(false);
            await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce).ConfigureAwait(false);
            return subscriber;
        }

        public List<Received> Snapshot()
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }

        public async Task<List<Received>> WaitForAsync(int distinct, TimeSpan timeout)
        {
            Task<List<Received>> done;
            lock (_gate)
            {
                if (_distinct.Count >= distinct)
                {
                    return [.. _received];
                }

                _wanted = distinct;
                _done = new TaskCompletionSource<List<Received>>(TaskCreationOptions.RunContinuationsAsynchronously);
                done = _done.Task;
            }

            try
            {
                return await done.WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                int count;
                lock (_gate)
                {
                    count = _distinct.Count;
                }

                throw new TimeoutException($"the subscriber received {count} of {distinct} records");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _client.TryDisconnectAsync().ConfigureAwait(false);
            _client.Dispose();
        }

        private void Add(Received received)
        {
            lock (_gate)
            {
                _received.Add(received);
                if (_distinct.Add(received.RecordId) && _distinct.Count >= _wanted)
                {
                    _done?.TrySetResult([.. _received]);
                }
            }
        }
    }

    private sealed class BenchGateway : IAsyncDisposable
    {
        private readonly IHost _host;

        private BenchGateway(IHost host, string gatewayId)
        {
            _host = host;
            GatewayId = gatewayId;
        }

        public string GatewayId { get; }

        public IControlRoomPublisher Publisher => _host.Services.GetRequiredService<IControlRoomPublisher>();

        public static async Task<BenchGateway> StartAsync(string uri, string dataDir, string gatewayId, int lanes)
        {
            var options = new PortScanEdgeOptions
            {
                Site = new SiteOptions { Id = "bench" },
                Gateway = new GatewayOptions { Id = gatewayId, DataDir = dataDir },
            };
            for (var i = 1; i <= lanes; i++)
            {
                options.Lanes.Add(new LaneOptions { Id = $"lane-{i}", Devices = new LaneDevicesOptions { Scanner = "s", Io = "io" } });
            }

            options.Mqtt.Broker = MqttBrokerKind.External;
            options.Mqtt.Uris.Add(uri);
            options.Mqtt.ReconnectDelayMin = TimeSpan.FromMilliseconds(50);
            options.Mqtt.ReconnectDelayMax = TimeSpan.FromMilliseconds(200);
            options.Mqtt.PingInterval = TimeSpan.FromSeconds(1);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
            builder.Logging.ClearProviders();
            builder.Services.AddOptions<PortScanEdgeOptions>().Configure(o => o.CopyFrom(options));
            builder.Services.AddPortScanEdgeMessaging();
            var host = builder.Build();
            await host.StartAsync().ConfigureAwait(false);
            return new BenchGateway(host, gatewayId);
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync().ConfigureAwait(false);
            _host.Dispose();
        }
    }
}
