using System.Threading.Channels;
using PortScanEdge.Core.Lanes;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Host.Lanes;

/// <summary>Something a lane reports to the rest of the gateway.</summary>
/// <param name="LaneId">The lane.</param>
/// <param name="At">When.</param>
public abstract record LaneNotification(string LaneId, DateTimeOffset At);

/// <summary>The lane's state changed.</summary>
public sealed record LaneStateNotification(string LaneId, DateTimeOffset At, LaneState State, string Detail, LaneSignals Signals) : LaneNotification(LaneId, At);

/// <summary>A transaction changed; <see cref="Closed"/> is true for its final version.</summary>
public sealed record TransactionNotification(string LaneId, DateTimeOffset At, VehicleTransaction Transaction, bool Closed) : LaneNotification(LaneId, At);

/// <summary>An alert for operators and the control room.</summary>
public sealed record AlertNotification(string LaneId, DateTimeOffset At, VehicleTransaction Transaction, string Summary) : LaneNotification(LaneId, At);

/// <summary>
/// Fans lane notifications out to every subscriber (control-room publisher, operator console, audit log,
/// terminal summary). Each subscriber has its own queue, so a slow or stopped one (MQTT down) never stalls the
/// lane or the others. Queues are unbounded because records must not be lost; every subscriber drains into
/// something bounded and durable of its own (the outbox, the audit file) or keeps only the latest state.
/// Also keeps the latest state and recent transactions of each lane for readers that join late. Thread-safe.
/// </summary>
public sealed class LaneHub
{
    private readonly Lock _gate = new();
    private readonly List<Channel<LaneNotification>> _subscribers = [];
    private readonly Dictionary<string, LaneStateNotification> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VehicleTransaction?> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkedList<VehicleTransaction>> _recent = new(StringComparer.Ordinal);
    private readonly int _recentPerLane;

    /// <summary>Creates the hub.</summary>
    /// <param name="recentPerLane">How many closed transactions to keep per lane.</param>
    public LaneHub(int recentPerLane) => _recentPerLane = Math.Max(1, recentPerLane);

    /// <summary>Subscribes; read the returned channel until it completes (on <see cref="Complete"/>).</summary>
    public ChannelReader<LaneNotification> Subscribe()
    {
        var channel = Channel.CreateUnbounded<LaneNotification>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return channel.Reader;
    }

    /// <summary>Publishes a notification to every subscriber and updates the snapshots.</summary>
    public void Publish(LaneNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        lock (_gate)
        {
            switch (notification)
            {
                case LaneStateNotification state:
                    _states[state.LaneId] = state;
                    break;
                case TransactionNotification { Closed: true } closed:
                    _current[closed.LaneId] = null;
                    if (!_recent.TryGetValue(closed.LaneId, out var list))
                    {
                        _recent[closed.LaneId] = list = new LinkedList<VehicleTransaction>();
                    }

                    list.AddFirst(closed.Transaction);
                    while (list.Count > _recentPerLane)
                    {
                        list.RemoveLast();
                    }

                    break;
                case TransactionNotification open:
                    _current[open.LaneId] = open.Transaction;
                    break;
            }

            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(notification);
            }
        }
    }

    /// <summary>The latest state of a lane, or null before it reported one.</summary>
    public LaneStateNotification? StateOf(string laneId)
    {
        lock (_gate)
        {
            return _states.GetValueOrDefault(laneId);
        }
    }

    /// <summary>The open transaction of a lane, or null.</summary>
    public VehicleTransaction? CurrentOf(string laneId)
    {
        lock (_gate)
        {
            return _current.GetValueOrDefault(laneId);
        }
    }

    /// <summary>The lane's recent closed transactions, newest first.</summary>
    public IReadOnlyList<VehicleTransaction> RecentOf(string laneId)
    {
        lock (_gate)
        {
            return _recent.TryGetValue(laneId, out var list) ? [.. list] : [];
        }
    }

    /// <summary>Ends every subscription (at shutdown, after the lanes stopped).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }
        }
    }
}
