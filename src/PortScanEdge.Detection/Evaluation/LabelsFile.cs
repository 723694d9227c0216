using System.Globalization;

namespace PortScanEdge.Detection.Evaluation;

/// <summary>One row of a <c>labels.csv</c>.</summary>
/// <param name="File">Image file name, relative to the data-set directory.</param>
/// <param name="IsAnomalous">Label 1 (true) or 0 (false).</param>
/// <param name="Boxes">Labelled boxes, possibly empty.</param>
public sealed record LabelledImage(string File, bool IsAnomalous, IReadOnlyList<LabelBox> Boxes);

/// <summary>
/// Reads <c>labels.csv</c> (header <c>file,label,boxes</c>; label 0/1; boxes <c>x:y:w:h;…</c> in pixels). The file
/// comes from outside: every field is validated, sizes are bounded, and a problem names its line.
/// </summary>
public static class LabelsFile
{
    /// <summary>Most rows accepted.</summary>
    public const int MaximumRows = 1_000_000;

    /// <summary>Most boxes accepted on one row.</summary>
    public const int MaximumBoxesPerImage = 256;

    /// <summary>Parses the file at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is malformed; the message names the file and the line.</exception>
    public static IReadOnlyList<LabelledImage> Read(string path) => CsvFile.Read(path, Parse);

    /// <summary>Parses labels from <paramref name="reader"/>.</summary>
    public static IReadOnlyList<LabelledImage> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = reader.ReadLine()?.Trim();
        if (header is null || !header.StartsWith("file,label,boxes", StringComparison.Ordinal))
        {
            throw new FormatException("line 1: header must be 'file,label,boxes'");
        }

        var rows = new List<LabelledImage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (rows.Count >= MaximumRows)
            {
                throw new FormatException($"line {lineNumber}: more than {MaximumRows} rows");
            }

            var fields = line.Split(',');
            if (fields.Length < 3)
            {
                throw new FormatException($"line {lineNumber}: expected 'file,label,boxes', got {fields.Length} fields");
            }

            var file = fields[0].Trim();
            if (file.Length == 0 || file.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(file))
            {
                throw new FormatException($"line {lineNumber}: file '{file}' must be a relative name inside the data set");
            }

            if (!seen.Add(file))
            {
                throw new FormatException($"line {lineNumber}: file '{file}' listed twice");
            }

            bool anomalous = fields[1].Trim() switch
            {
                "0" => false,
                "1" => true,
                var other => throw new FormatException($"line {lineNumber}: label must be 0 or 1, got '{other}'"),
            };

            rows.Add(new LabelledImage(file, anomalous, ParseBoxes(fields[2].Trim(), lineNumber)));
        }

        return rows;
    }

    /// <summary>Parses <c>x:y:w:h;…</c>; an empty string is no box.</summary>
    public static IReadOnlyList<LabelBox> ParseBoxes(string text, int lineNumber = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        var boxes = new List<LabelBox>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (boxes.Count >= MaximumBoxesPerImage)
            {
                throw new FormatException($"line {lineNumber}: more than {MaximumBoxesPerImage} boxes");
            }

            var numbers = part.Split(':');
            if (numbers.Length != 4 || !numbers.All(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                throw new FormatException($"line {lineNumber}: box '{part}' must be x:y:w:h with non-negative integers");
            }

            var v = numbers.Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            if (v[2] == 0 || v[3] == 0)
            {
                throw new FormatException($"line {lineNumber}: box '{part}' has zero width or height");
            }

            boxes.Add(new LabelBox(v[0], v[1], v[2], v[3]));
        }

        return boxes;
    }
}
