using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Devices.PlateReaders;

/// <summary>Counters of a plate read processor.</summary>
public readonly record struct PlateReadStatistics(long Reads, long Suppressed, long BadRecords, FramerStatistics Framer);

/// <summary>
/// Bytes in, plate reads out: framing, parsing, ISO 6346 recognition (an invalid check digit caps the candidate's
/// confidence, it never throws), ranking, top-N and de-duplication. Pure apart from the injected clock; one reader
/// loop owns it.
/// </summary>
public sealed class PlateReadProcessor
{
    /// <summary>Confidence (percent) given at most to a container code whose check digit is wrong.</summary>
    public const double InvalidCheckDigitConfidenceCap = 10;

    private readonly PlateReaderOptions _options;
    private readonly PlateRecordFramer _framer;
    private readonly IPlateRecordParser _parser;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, long> _lastSeen = new(StringComparer.Ordinal);
    private readonly List<List<PlateCandidate>> _scratch = [];
    private readonly Action<string> _onRecord;
    private Action<PlateRead> _sink = static _ => { };
    private long _reads;
    private long _suppressed;
    private long _badRecords;

    /// <summary>Creates a processor for one reader.</summary>
    public PlateReadProcessor(PlateReaderOptions options, TimeProvider time)
    {
        _options = options;
        _framer = PlateRecordFramer.For(options.Format);
        _parser = PlateRecordParser.For(options);
        _time = time;
        _onRecord = OnRecord;
    }

    /// <summary>Called with the reason for every record in the wrong format.</summary>
    public Action<string>? BadRecord { get; set; }

    /// <summary>Counters so far.</summary>
    public PlateReadStatistics Statistics => new(_reads, _suppressed, _badRecords, _framer.Statistics);

    /// <summary>Feeds bytes; <paramref name="sink"/> gets each new (not de-duplicated away) read.</summary>
    public void Feed(ReadOnlySpan<byte> data, Action<PlateRead> sink)
    {
        _sink = sink;
        _framer.Feed(data, _onRecord);
    }

    /// <summary>Ranks candidates: container codes checked, best first, at most <paramref name="topN"/>.</summary>
    public static List<PlateCandidate> Rank(IEnumerable<PlateCandidate> candidates, int topN)
    {
        var ranked = new List<PlateCandidate>();
        foreach (PlateCandidate candidate in candidates)
        {
            PlateCandidate checkedCandidate = candidate;
            if (Iso6346.TryParse(candidate.Text, out ContainerCode? container))
            {
                double confidence = container.CheckDigitValid ? candidate.Confidence : Math.Min(candidate.Confidence, InvalidCheckDigitConfidenceCap);
                checkedCandidate = candidate with { Confidence = confidence, Container = container };
            }

            ranked.Add(checkedCandidate);
        }

        // Stable: equal confidences keep the reader's order.
        List<PlateCandidate> ordered = [.. ranked.OrderByDescending(c => c.Confidence)];
        if (ordered.Count > topN)
        {
            ordered.RemoveRange(topN, ordered.Count - topN);
        }

        return ordered;
    }

    private void OnRecord(string record)
    {
        _scratch.Clear();
        if (!_parser.TryParse(record, _scratch, out string error))
        {
            _badRecords++;
            BadRecord?.Invoke(error);
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        long timestamp = _time.GetTimestamp();
        foreach (List<PlateCandidate> candidates in _scratch)
        {
            List<PlateCandidate> ranked = Rank(candidates, _options.TopN);
            if (ranked.Count == 0)
            {
                continue;
            }

            // De-duplication: a plate seen again within the window (since it was last seen) counts once.
            string key = ranked[0].Text;
            bool repeat = _lastSeen.TryGetValue(key, out long last) && _time.GetElapsedTime(last, timestamp) < _options.DedupeWindow;
            _lastSeen[key] = timestamp;
            if (repeat)
            {
                _suppressed++;
                continue;
            }

            _reads++;
            _sink(new PlateRead(_options.Id, _options.Position, now, ranked));
        }

        if (_lastSeen.Count > 1024)
        {
            Prune(timestamp);
        }
    }

    private void Prune(long now)
    {
        foreach (string key in _lastSeen.Where(p => _time.GetElapsedTime(p.Value, now) >= _options.DedupeWindow).Select(p => p.Key).ToList())
        {
            _lastSeen.Remove(key);
        }
    }
}
