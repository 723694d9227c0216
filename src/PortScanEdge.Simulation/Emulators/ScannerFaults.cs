namespace PortScanEdge.Simulation.Emulators;

/// <summary>
/// Faults to inject into an emulated scanner, on demand, while it runs. Counters are one-shot budgets: each
/// affected frame or scan uses one. Thread-safe.
/// </summary>
public sealed class ScannerFaults
{
    private int _garbageBursts;
    private int _corruptFrames;
    private int _dropFrames;
    private int _duplicateFrames;
    private int _hashMismatches;
    private int _sizeMismatches;
    private int _missingFiles;
    private long _responseDelayTicks;
    private volatile bool _silent;

    /// <summary>Random bytes written in each garbage burst.</summary>
    public int GarbageBurstBytes { get; set; } = 64;

    /// <summary>Write a burst of random bytes before each of the next <paramref name="count"/> frames.</summary>
    public void InjectGarbage(int count) => Interlocked.Add(ref _garbageBursts, count);

    /// <summary>Send the next <paramref name="count"/> event frames with a wrong CRC.</summary>
    public void CorruptCrc(int count) => Interlocked.Add(ref _corruptFrames, count);

    /// <summary>Drop the next <paramref name="count"/> event frame transmissions (retransmission must recover).</summary>
    public void DropFrames(int count) => Interlocked.Add(ref _dropFrames, count);

    /// <summary>Send each of the next <paramref name="count"/> event frames twice.</summary>
    public void DuplicateFrames(int count) => Interlocked.Add(ref _duplicateFrames, count);

    /// <summary>Announce a wrong SHA-256 for the next <paramref name="count"/> scans.</summary>
    public void HashMismatch(int count = 1) => Interlocked.Add(ref _hashMismatches, count);

    /// <summary>Announce a size one byte larger than the file for the next <paramref name="count"/> scans.</summary>
    public void SizeMismatch(int count = 1) => Interlocked.Add(ref _sizeMismatches, count);

    /// <summary>Announce images without writing them for the next <paramref name="count"/> scans.</summary>
    public void MissingFile(int count = 1) => Interlocked.Add(ref _missingFiles, count);

    /// <summary>Wait this long before every answer and event (a slow device).</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set => Interlocked.Exchange(ref _responseDelayTicks, value.Ticks);
    }

    /// <summary>Send nothing at all, ACKs included (a hung device).</summary>
    public bool Silent
    {
        get => _silent;
        set => _silent = value;
    }

    /// <summary>Clears every fault.</summary>
    public void Clear()
    {
        _garbageBursts = _corruptFrames = _dropFrames = _duplicateFrames = 0;
        _hashMismatches = _sizeMismatches = _missingFiles = 0;
        ResponseDelay = TimeSpan.Zero;
        _silent = false;
    }

    internal bool TakeGarbage() => Take(ref _garbageBursts);

    internal bool TakeCorrupt() => Take(ref _corruptFrames);

    internal bool TakeDrop() => Take(ref _dropFrames);

    internal bool TakeDuplicate() => Take(ref _duplicateFrames);

    internal bool TakeHashMismatch() => Take(ref _hashMismatches);

    internal bool TakeSizeMismatch() => Take(ref _sizeMismatches);

    internal bool TakeMissingFile() => Take(ref _missingFiles);

    private static bool Take(ref int budget)
    {
        while (true)
        {
            int current = Volatile.Read(ref budget);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref budget, current - 1, current) == current)
            {
                return true;
            }
        }
    }
}
