using System.Collections.Concurrent;

namespace PortScanEdge.Host.Lanes;

/// <summary>The running lanes by id, for the operator console and control-room commands. Thread-safe.</summary>
public sealed class LaneRegistry
{
    private readonly ConcurrentDictionary<string, LaneRuntime> _lanes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when every configured lane is running.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The running lanes.</summary>
    public IReadOnlyCollection<LaneRuntime> Lanes => [.. _lanes.Values.OrderBy(l => l.LaneId, StringComparer.Ordinal)];

    /// <summary>The lane with this id, or null.</summary>
    public LaneRuntime? Find(string laneId) => _lanes.GetValueOrDefault(laneId);

    internal void Add(LaneRuntime lane) => _lanes[lane.LaneId] = lane;

    internal void MarkReady() => _ready.TrySetResult();

    internal void Clear() => _lanes.Clear();
}
