using System.Collections.Concurrent;
using PortScanEdge.Detection;
using PortScanEdge.Detection.Inference;
using PortScanEdge.Host.Lanes;

namespace PortScanEdge.Host.Tests.Lanes;

/// <summary>The shared detector's back-pressure policy: a full queue makes the hand-off wait; nothing is dropped; order is kept.</summary>
public sealed class SharedDetectorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task QueueFull_HandOffWaits_ThenEveryScanAnalysedInOrder()
    {
        using var detector = new GatedDetector();
        await using var shared = new SharedDetector(detector, capacity: 2, workers: 1);
        var done = new ConcurrentQueue<string>();
        DetectionJob Job(string lane, int n) => new(lane, $"{lane}-{n}", RadiographInput.FromFile($"/scans/{lane}-{n}.png"), AnalysisRequest.None,
            (result, error) => done.Enqueue(result is null ? $"error {error?.Message}" : $"{lane}-{n}"));

        // The worker takes the first scan and blocks in the detector; two more fill the queue.
        await shared.EnqueueAsync(Job("lane-1", 1), CancellationToken.None);
        await detector.Started.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        await shared.EnqueueAsync(Job("lane-2", 1), CancellationToken.None);
        await shared.EnqueueAsync(Job("lane-1", 2), CancellationToken.None);
        Assert.Equal(2, shared.Depth);

        // The next hand-off cannot complete while the queue is full...
        var fourth = shared.EnqueueAsync(Job("lane-2", 2), CancellationToken.None).AsTask();
        await Task.Delay(200);
        Assert.False(fourth.IsCompleted);

        // ...and completes once the detector takes one more: it was waiting, not dropped.
        detector.Release(1);
        await fourth.WaitAsync(Patience);
        detector.Release(3);
        var deadline = DateTime.UtcNow + Patience;
        while (done.Count < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(["lane-1-1", "lane-2-1", "lane-1-2", "lane-2-2"], done.ToArray());
        Assert.Equal(["/scans/lane-1-1.png", "/scans/lane-2-1.png", "/scans/lane-1-2.png", "/scans/lane-2-2.png"], detector.Seen.ToArray());
    }

    [Fact]
    public async Task DetectorThrows_JobGetsTheError_AndTheNextScanIsStillAnalysed()
    {
        using var detector = new GatedDetector { FailFirst = true };
        await using var shared = new SharedDetector(detector, capacity: 4, workers: 1);
        var results = new ConcurrentQueue<(DetectionResult? Result, Exception? Error)>();
        detector.Release(2);
        await shared.EnqueueAsync(new DetectionJob("lane-1", "t1", RadiographInput.FromFile("/scans/a.png"), AnalysisRequest.None, (r, e) => results.Enqueue((r, e))), CancellationToken.None);
        await shared.EnqueueAsync(new DetectionJob("lane-1", "t2", RadiographInput.FromFile("/scans/b.png"), AnalysisRequest.None, (r, e) => results.Enqueue((r, e))), CancellationToken.None);
        var deadline = DateTime.UtcNow + Patience;
        while (results.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var all = results.ToArray();
        Assert.Equal(2, all.Length);
        Assert.Null(all[0].Result);
        Assert.Equal("model exploded", all[0].Error?.Message);
        Assert.NotNull(all[1].Result);
        Assert.Null(all[1].Error);
    }

    private sealed class GatedDetector : IRadiographDetector
    {
        private readonly SemaphoreSlim _gate = new(0);

        public System.Threading.Channels.Channel<string> Started { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public ConcurrentQueue<string> Seen { get; } = new();

        public bool FailFirst { get; init; }

        public ModelIdentity Model { get; } = new("gated", "1", new string('0', 64));

        public ModelContract Contract => throw new NotSupportedException();

        public double Threshold => 0.5;

        public void Release(int count) => _gate.Release(count);

        public bool TrySetThreshold(double threshold) => false;

        public async Task<DetectionResult> AnalyzeAsync(RadiographInput input, AnalysisRequest? request = null, CancellationToken cancellationToken = default)
        {
            Seen.Enqueue(input.Path!);
            await Started.Writer.WriteAsync(input.Path!, cancellationToken);
            await _gate.WaitAsync(cancellationToken);
            if (FailFirst && Seen.Count == 1)
            {
                throw new InvalidOperationException("model exploded");
            }

            return new DetectionResult { Model = Model, Score = 0.1 };
        }

        public void Dispose() => _gate.Dispose();
    }
}
