using System.Threading.Channels;

namespace PortScanEdge.Host.Web;

/// <summary>
/// Tells every open event stream that something changed. Each stream has a one-slot channel: a burst of lane
/// changes collapses into one wake-up, after which the stream sends the whole current snapshot, so a slow
/// browser never makes the gateway queue anything. Thread-safe.
/// </summary>
internal sealed class ConsoleBroadcaster
{
    private readonly Lock _gate = new();
    private readonly HashSet<Channel<bool>> _listeners = [];

    /// <summary>The number of open streams.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Count;
            }
        }
    }

    public Channel<bool> Listen()
    {
        var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        lock (_gate)
        {
            _listeners.Add(channel);
        }

        return channel;
    }

    public void Stop(Channel<bool> channel)
    {
        lock (_gate)
        {
            _listeners.Remove(channel);
        }
    }

    public void Changed()
    {
        lock (_gate)
        {
            foreach (var listener in _listeners)
            {
                listener.Writer.TryWrite(true);
            }
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            foreach (var listener in _listeners)
            {
                listener.Writer.TryComplete();
            }
        }
    }
}
