namespace PortScanEdge.Host.Web;

/// <summary>
/// Limits sign-in guessing: after <c>attempts</c> failures within <c>window</c> for one key (an operator id or a
/// client address), further attempts for that key are refused until the oldest failure leaves the window. A
/// 4-digit PIN has 10 000 values; 5 tries per 5 minutes per id makes guessing one take weeks, and the refusals are
/// logged. Thread-safe; the number of tracked keys is bounded so a flood of ids cannot grow memory without limit.
/// </summary>
public sealed class SignInThrottle(TimeProvider time, int attempts, TimeSpan window)
{
    private const int MaximumKeys = 10_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>True when another attempt for every key in <paramref name="keys"/> is allowed now.</summary>
    public bool IsAllowed(params ReadOnlySpan<string> keys)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var key in keys)
            {
                if (_failures.TryGetValue(key, out var queue) && Trim(queue, now) >= attempts)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Records a failed attempt against every key.</summary>
    public void RecordFailure(params ReadOnlySpan<string> keys)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_failures.Count >= MaximumKeys)
            {
                foreach (var (key, queue) in _failures.ToArray())
                {
                    if (Trim(queue, now) == 0)
                    {
                        _failures.Remove(key);
                    }
                }
            }

            foreach (var key in keys)
            {
                if (!_failures.TryGetValue(key, out var queue))
                {
                    if (_failures.Count >= MaximumKeys)
                    {
                        continue;
                    }

                    _failures[key] = queue = new Queue<DateTimeOffset>();
                }

                queue.Enqueue(now);
            }
        }
    }

    /// <summary>Forgets the failures of <paramref name="key"/> (after a successful sign-in with that id).</summary>
    public void Reset(string key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    private int Trim(Queue<DateTimeOffset> queue, DateTimeOffset now)
    {
        while (queue.Count > 0 && now - queue.Peek() >= window)
        {
            queue.Dequeue();
        }

        return queue.Count;
    }
}
