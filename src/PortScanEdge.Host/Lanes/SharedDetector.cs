using System.Threading.Channels;
using PortScanEdge.Detection;

namespace PortScanEdge.Host.Lanes;

/// <summary>One scan waiting for the detector.</summary>
/// <param name="LaneId">The lane that asked.</param>
/// <param name="TransactionId">The transaction.</param>
/// <param name="Input">The verified image(s).</param>
/// <param name="Request">Extra outputs (the overlay PNG for the console).</param>
/// <param name="Done">Receives the result; the lane turns it into an event.</param>
public sealed record DetectionJob(string LaneId, string TransactionId, RadiographInput Input, AnalysisRequest Request, Action<DetectionResult?, Exception?> Done);

/// <summary>
/// The one detector shared by every lane of the gateway, behind a bounded queue.
/// Back-pressure policy: a scan is never dropped. When <see cref="Capacity"/> scans are already waiting, the
/// lane's hand-off waits (asynchronously, off the lane's event loop, so e-stops and loops are still handled at
/// once) until the detector catches up; scans are analysed in the order they were handed over. A scan that
/// waits past the lane's analysis timeout is referred to an operator by the lane, and its late result ignored.
/// </summary>
public sealed class SharedDetector : IAsyncDisposable
{
    private readonly Channel<DetectionJob> _jobs;
    private readonly IRadiographDetector _detector;
    private readonly Task[] _workers;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Starts the workers.</summary>
    /// <param name="detector">The shared detector.</param>
    /// <param name="capacity">Scans that may wait; the next hand-off waits.</param>
    /// <param name="workers">Parallel analyses (the detector has as many workspaces).</param>
    public SharedDetector(IRadiographDetector detector, int capacity, int workers)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        Capacity = capacity;
        _jobs = Channel.CreateBounded<DetectionJob>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
            SingleReader = workers == 1,
        });
        _workers = new Task[Math.Max(1, workers)];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkAsync);
        }
    }

    /// <summary>Scans that may wait before hand-offs wait.</summary>
    public int Capacity { get; }

    /// <summary>Scans waiting now.</summary>
    public int Depth => _jobs.Reader.Count;

    /// <summary>The detector.</summary>
    public IRadiographDetector Detector => _detector;

    /// <summary>Hands a scan over; waits while the queue is full (never drops).</summary>
    public ValueTask EnqueueAsync(DetectionJob job, CancellationToken cancellationToken) => _jobs.Writer.WriteAsync(job, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task WorkAsync()
    {
        await foreach (var job in _jobs.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
        {
            try
            {
                var result = await _detector.AnalyzeAsync(job.Input, job.Request, _stopping.Token).ConfigureAwait(false);
                job.Done(result, null);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The detector promises result objects for bad input; anything else is a detector failure for this scan.
                job.Done(null, ex);
            }
        }
    }
}
