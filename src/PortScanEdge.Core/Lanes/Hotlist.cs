using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Core.Lanes;

/// <summary>Plates and container codes that must be referred. Immutable; reloads produce a new instance.</summary>
public sealed class Hotlist
{
    /// <summary>Most entries accepted from a file; a site list is a few thousand at most.</summary>
    public const int MaxEntries = 100_000;

    private readonly Dictionary<string, (string Entry, string Note)> _entries;

    private Hotlist(Dictionary<string, (string Entry, string Note)> entries) => _entries = entries;

    /// <summary>An empty hotlist.</summary>
    public static Hotlist Empty { get; } = new(new Dictionary<string, (string, string)>(StringComparer.Ordinal));

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>The entries as written in the file (e.g. for the simulation to send some through).</summary>
    public IReadOnlyList<string> Entries => [.. _entries.Values.Select(e => e.Entry)];

    /// <summary>
    /// Parses hotlist text: one entry per line, optionally <c>,note</c>; blank lines and <c>#</c> comments ignored.
    /// Entries are compared without spaces, dashes and case, as plate readers differ in those.
    /// </summary>
    /// <returns>The hotlist and the lines that could not be used (1-based line number and why).</returns>
    public static (Hotlist Hotlist, IReadOnlyList<(int Line, string Problem)> Problems) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        var problems = new List<(int, string)>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var comment = line.IndexOf('#', StringComparison.Ordinal);
            if (comment >= 0)
            {
                line = line[..comment].Trim();
            }

            if (line.Length == 0)
            {
                continue;
            }

            var comma = line.IndexOf(',', StringComparison.Ordinal);
            var entry = (comma >= 0 ? line[..comma] : line).Trim();
            var note = comma >= 0 ? line[(comma + 1)..].Trim() : string.Empty;
            var key = Normalise(entry);
            if (key.Length is < 2 or > 20)
            {
                problems.Add((i + 1, $"'{entry}' is not a plate or container code (2-20 letters and digits)"));
                continue;
            }

            if (entries.Count >= MaxEntries)
            {
                problems.Add((i + 1, $"more than {MaxEntries} entries; the rest is ignored"));
                break;
            }

            entries[key] = (entry, note);
        }

        return (new Hotlist(entries), problems);
    }

    /// <summary>The first hit among every candidate of every read, or null.</summary>
    public HotlistHit? Match(IEnumerable<PlateReadRecord> reads)
    {
        ArgumentNullException.ThrowIfNull(reads);
        foreach (var read in reads)
        {
            foreach (var candidate in read.Candidates)
            {
                if (_entries.TryGetValue(Normalise(candidate.Text), out var hit))
                {
                    return new HotlistHit(hit.Entry, candidate.Text, hit.Note);
                }
            }
        }

        return null;
    }

    /// <summary>Upper-case letters and digits only.</summary>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<char> buffer = text.Length <= 64 ? stackalloc char[text.Length] : new char[text.Length];
        var length = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                buffer[length++] = char.ToUpperInvariant(c);
            }
        }

        return new string(buffer[..length]);
    }
}
