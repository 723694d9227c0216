using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Host.Lanes;

/// <summary>Counters and recent latencies of one lane. Thread-safe.</summary>
public sealed class LaneStatistics
{
    private const int Window = 1024;
    private readonly Lock _gate = new();
    private readonly double[] _analysisMilliseconds = new double[Window];
    private readonly double[] _inferMilliseconds = new double[Window];
    private readonly double[] _pipelineMilliseconds = new double[Window];
    private readonly double[] _pipelineModelMilliseconds = new double[Window];
    private readonly double[] _pipelineDecodeMilliseconds = new double[Window];
    private int _latencyCount;
    private int _pipelineCount;
    private long _vehicles;
    private long _released;
    private long _referred;
    private long _failed;
    private long _overrides;
    private long _alerts;
    private long _scans;

    /// <summary>Vehicles whose transaction closed.</summary>
    public long Vehicles => Interlocked.Read(ref _vehicles);

    /// <summary>Closed as released.</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>Closed as referred.</summary>
    public long Referred => Interlocked.Read(ref _referred);

    /// <summary>Closed with a failed step.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Releases that overrode a machine referral.</summary>
    public long Overrides => Interlocked.Read(ref _overrides);

    /// <summary>Alerts raised.</summary>
    public long Alerts => Interlocked.Read(ref _alerts);

    /// <summary>Scans completed.</summary>
    public long Scans => Interlocked.Read(ref _scans);

    internal void Closed(VehicleTransaction transaction)
    {
        Interlocked.Increment(ref _vehicles);
        if (transaction.Failure is not null)
        {
            Interlocked.Increment(ref _failed);
        }
        else if (transaction.Outcome == TransactionOutcome.Released)
        {
            Interlocked.Increment(ref _released);
        }
        else if (transaction.Outcome == TransactionOutcome.Referred)
        {
            Interlocked.Increment(ref _referred);
        }

        if (transaction.Decision?.IsOverride == true)
        {
            Interlocked.Increment(ref _overrides);
        }
    }

    internal void Alert() => Interlocked.Increment(ref _alerts);

    internal void ScanCompleted() => Interlocked.Increment(ref _scans);

    /// <summary>Records one analysis: hand-off to result (queue wait included) and the model's inference time.</summary>
    internal void Analysed(TimeSpan handOffToResult, double inferMilliseconds)
    {
        lock (_gate)
        {
            var slot = _latencyCount % Window;
            _analysisMilliseconds[slot] = handOffToResult.TotalMilliseconds;
            _inferMilliseconds[slot] = inferMilliseconds;
            _latencyCount++;
        }
    }

    /// <summary>
    /// Records the gateway-added latency of one scan: from the scanner's SCAN_COMPLETE frame arriving to the analysed
    /// record being handed to the publishers, and the part of it the model took (inference).
    /// </summary>
    internal void Pipeline(double totalMilliseconds, double modelMilliseconds, double decodeMilliseconds)
    {
        lock (_gate)
        {
            var slot = _pipelineCount % Window;
            _pipelineMilliseconds[slot] = totalMilliseconds;
            _pipelineModelMilliseconds[slot] = modelMilliseconds;
            _pipelineDecodeMilliseconds[slot] = decodeMilliseconds;
            _pipelineCount++;
        }
    }

    /// <summary>Recent scan-complete→record latencies: (total, model, total − model, image decode) per scan, oldest first.</summary>
    public IReadOnlyList<(double Total, double Model, double Other, double Decode)> PipelineSamples()
    {
        lock (_gate)
        {
            var n = Math.Min(_pipelineCount, Window);
            var samples = new List<(double, double, double, double)>(n);
            for (var i = 0; i < n; i++)
            {
                var slot = (_pipelineCount - n + i) % Window;
                samples.Add((_pipelineMilliseconds[slot], _pipelineModelMilliseconds[slot], _pipelineMilliseconds[slot] - _pipelineModelMilliseconds[slot], _pipelineDecodeMilliseconds[slot]));
            }

            return samples;
        }
    }

    /// <summary>Median and 99th percentile of recent analyses (hand-off to result) and of model inference, in ms.</summary>
    public (double AnalysisP50, double AnalysisP99, double InferP50, int Samples) Latencies()
    {
        lock (_gate)
        {
            var n = Math.Min(_latencyCount, Window);
            if (n == 0)
            {
                return (double.NaN, double.NaN, double.NaN, 0);
            }

            var analysis = _analysisMilliseconds[..n];
            var infer = _inferMilliseconds[..n];
            Array.Sort(analysis);
            Array.Sort(infer);
            return (Percentile(analysis, 0.5), Percentile(analysis, 0.99), Percentile(infer, 0.5), n);
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
