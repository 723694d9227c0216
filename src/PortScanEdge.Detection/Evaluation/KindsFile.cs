namespace PortScanEdge.Detection.Evaluation;

/// <summary>
/// Reads the optional <c>concealments.csv</c> beside <c>labels.csv</c>: one row per concealment, with at least the
/// columns <c>file</c> and <c>kind</c> (as <c>portscan-edge synth</c> writes it: <c>file,vehicle,kind,material,box</c>;
/// a site can write its own, e.g. <c>file,kind</c>). It only groups anomalous images for per-kind figures. The file
/// comes from outside: fields are validated, sizes are bounded, and a problem names its line.
/// </summary>
public static class KindsFile
{
    /// <summary>The file's name inside a data set.</summary>
    public const string FileName = "concealments.csv";

    /// <summary>Longest kind name accepted.</summary>
    public const int MaximumKindLength = 64;

    /// <summary>Most distinct kinds accepted.</summary>
    public const int MaximumKinds = 256;

    /// <summary>Parses the file at <paramref name="path"/>: file name → its kinds (each once, in file order).</summary>
    /// <exception cref="FormatException">The file is malformed; the message names the file and the line.</exception>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Read(string path) => CsvFile.Read(path, Parse);

    /// <summary>Parses kinds from <paramref name="reader"/>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = (reader.ReadLine() ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        int fileColumn = Array.IndexOf(header, "file"), kindColumn = Array.IndexOf(header, "kind");
        if (fileColumn < 0 || kindColumn < 0)
        {
            throw new FormatException("line 1: header must name the columns 'file' and 'kind'");
        }

        var kinds = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 1, rows = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (++rows > LabelsFile.MaximumRows)
            {
                throw new FormatException($"line {lineNumber}: more than {LabelsFile.MaximumRows} rows");
            }

            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length < header.Length)
            {
                throw new FormatException($"line {lineNumber}: expected {header.Length} fields as in the header, got {fields.Length}");
            }

            string file = fields[fileColumn], kind = fields[kindColumn];
            if (file.Length == 0)
            {
                throw new FormatException($"line {lineNumber}: empty file name");
            }

            if (kind.Length == 0 || kind.Length > MaximumKindLength || kind.Any(char.IsControl))
            {
                throw new FormatException($"line {lineNumber}: kind must be 1 to {MaximumKindLength} printable characters");
            }

            if (distinct.Add(kind) && distinct.Count > MaximumKinds)
            {
                throw new FormatException($"line {lineNumber}: more than {MaximumKinds} distinct kinds");
            }

            if (!kinds.TryGetValue(file, out var list))
            {
                kinds[file] = list = [];
            }

            if (!list.Contains(kind))
            {
                list.Add(kind);
            }
        }

        return kinds.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
    }
}
