namespace PortScanEdge.Messaging.Connection;

/// <summary>
/// Jittered exponential backoff: the n-th consecutive failure waits a random time in [cap/2, cap] where
/// cap = min(max, min · 2ⁿ). The jitter keeps a fleet of gateways from reconnecting in lock step after a
/// broker restart; <see cref="Reset"/> after a successful connection.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan minimum, TimeSpan maximum, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _failures;

    /// <summary>Consecutive failures so far.</summary>
    public int Failures => _failures;

    /// <summary>The delay before the next attempt; counts one more failure.</summary>
    public TimeSpan Next()
    {
        var exponent = Math.Min(_failures, 30);
        _failures++;
        var cap = Math.Min(maximum.TotalMilliseconds, minimum.TotalMilliseconds * Math.Pow(2, exponent));
        var milliseconds = (cap / 2) + (_random.NextDouble() * cap / 2);
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>Back to the first delay.</summary>
    public void Reset() => _failures = 0;
}
