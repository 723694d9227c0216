using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Devices.PlateReaders;

/// <summary>Turns one record into zero or more reads, each a list of (text, confidence) candidates.</summary>
public interface IPlateRecordParser
{
    /// <summary>Parses; returns false with a reason for a record in the wrong format. Never throws on input.</summary>
    bool TryParse(string record, List<List<PlateCandidate>> reads, out string problem);
}

/// <summary>Shared helpers.</summary>
public static class PlateText
{
    /// <summary>Longest plate text kept (after normalisation).</summary>
    public const int MaxLength = 20;

    /// <summary>Upper case, spaces and dashes removed; null when empty, too long or not letters and digits.</summary>
    public static string? Normalise(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength * 2)
        {
            return null;
        }

        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            if (!char.IsAsciiLetterOrDigit(c))
            {
                return null;
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        return builder.Length is 0 or > MaxLength ? null : builder.ToString();
    }

    /// <summary>A confidence in percent, 0..100, or null when not a finite number in range.</summary>
    public static double? Confidence(double value) => double.IsFinite(value) && value is >= 0 and <= 100 ? value : null;
}

/// <summary>
/// Records laid out by a template such as <c>%PLATE%,%CONF%</c>: <c>%PLATE%</c> (required) is the plate text,
/// <c>%CONF%</c> a confidence in percent (0-100, decimals allowed; 100 when absent), <c>%SKIP%</c> any field to ignore;
/// everything else must match literally. The template is compiled once to an anchored, non-backtracking regular
/// expression (linear time on hostile input).
/// </summary>
public sealed class TemplatePlateParser : IPlateRecordParser
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    private readonly Regex _regex;
    private readonly bool _hasConfidence;

    /// <summary>Compiles <paramref name="template"/>.</summary>
    /// <exception cref="ArgumentException">The template has no %PLATE% or repeats a placeholder.</exception>
    public TemplatePlateParser(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        string body = template.TrimEnd('\r', '\n');
        var pattern = new StringBuilder("^");
        int plates = 0;
        int confidences = 0;
        int index = 0;
        while (index < body.Length)
        {
            if (Take(body, ref index, "%PLATE%"))
            {
                pattern.Append(@"\s*(?<plate>[A-Za-z0-9][A-Za-z0-9 \-]{0,39}?)\s*");
                plates++;
            }
            else if (Take(body, ref index, "%CONF%"))
            {
                pattern.Append(@"\s*(?<conf>[0-9]{1,3}(?:\.[0-9]{1,6})?)\s*");
                confidences++;
            }
            else if (Take(body, ref index, "%SKIP%"))
            {
                pattern.Append(".*?");
            }
            else
            {
                pattern.Append(Regex.Escape(body[index].ToString()));
                index++;
            }
        }

        pattern.Append('$');
        if (plates != 1 || confidences > 1)
        {
            throw new ArgumentException($"template '{template}' must contain %PLATE% once and %CONF% at most once", nameof(template));
        }

        _hasConfidence = confidences == 1;
        // NonBacktracking: matching is linear in the record length whatever the input, so no wall-clock match
        // timeout is needed (a timeout would turn CPU starvation into lost reads).
        // Templates come from the config (a handful per gateway), so compiled expressions are shared per template.
        _regex = Compiled.Count < 64
            ? Compiled.GetOrAdd(pattern.ToString(), static p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.NonBacktracking))
            : new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.NonBacktracking);
    }

    /// <inheritdoc />
    public bool TryParse(string record, List<List<PlateCandidate>> reads, out string problem)
    {
        Match match = _regex.Match(record);
        if (!match.Success)
        {
            problem = "record does not match the template";
            return false;
        }

        string? plate = PlateText.Normalise(match.Groups["plate"].Value);
        if (plate is null)
        {
            problem = "plate text is empty or too long";
            return false;
        }

        double confidence = 100;
        if (_hasConfidence)
        {
            double? parsed = double.TryParse(match.Groups["conf"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
                ? PlateText.Confidence(value)
                : null;
            if (parsed is null)
            {
                problem = "confidence is not a number between 0 and 100";
                return false;
            }

            confidence = parsed.Value;
        }

        reads.Add([new PlateCandidate(plate, confidence)]);
        problem = string.Empty;
        return true;
    }

    private static bool Take(string text, ref int index, string token)
    {
        if (string.CompareOrdinal(text, index, token, 0, token.Length) == 0)
        {
            index += token.Length;
            return true;
        }

        return false;
    }
}

/// <summary>
/// OpenALPR-style JSON, one object per line: <c>results[]</c>, each with <c>plate</c>, <c>confidence</c> (percent)
/// and optional <c>candidates[]</c> of <c>{plate, confidence}</c>. Each result is one read. Unknown members are
/// ignored; nesting deeper than 16 is refused.
/// </summary>
public sealed class OpenAlprJsonParser : IPlateRecordParser
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <inheritdoc />
    public bool TryParse(string record, List<List<PlateCandidate>> reads, out string problem)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(record, Options);
        }
        catch (JsonException ex)
        {
            problem = $"not JSON: {ex.Message}";
            return false;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("results", out JsonElement results) || results.ValueKind != JsonValueKind.Array)
            {
                problem = "no results[] array";
                return false;
            }

            int before = reads.Count;
            foreach (JsonElement result in results.EnumerateArray())
            {
                if (result.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var candidates = new List<PlateCandidate>();
                AddCandidate(result, candidates);
                if (result.TryGetProperty("candidates", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement candidate in list.EnumerateArray())
                    {
                        if (candidates.Count >= 64)
                        {
                            break;
                        }

                        AddCandidate(candidate, candidates);
                    }
                }

                if (candidates.Count > 0)
                {
                    reads.Add(candidates);
                }
            }

            if (reads.Count == before && results.GetArrayLength() > 0)
            {
                problem = "results[] has no readable plate";
                return false;
            }

            problem = string.Empty;
            return true;
        }
    }

    private static void AddCandidate(JsonElement element, List<PlateCandidate> candidates)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("plate", out JsonElement plateElement) || plateElement.ValueKind != JsonValueKind.String)
        {
            return;
        }

        string? plate = PlateText.Normalise(plateElement.GetString());
        if (plate is null)
        {
            return;
        }

        double confidence = 0;
        if (element.TryGetProperty("confidence", out JsonElement conf) && conf.ValueKind == JsonValueKind.Number && conf.TryGetDouble(out double value))
        {
            confidence = PlateText.Confidence(value) ?? 0;
        }

        foreach (PlateCandidate existing in candidates)
        {
            if (existing.Text == plate)
            {
                return;
            }
        }

        candidates.Add(new PlateCandidate(plate, confidence));
    }
}

/// <summary>Creates the parser for a reader's configured format.</summary>
public static class PlateRecordParser
{
    /// <summary>The parser for <paramref name="options"/>.</summary>
    public static IPlateRecordParser For(PlateReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Format == PlateReaderFormat.OpenalprJson ? new OpenAlprJsonParser() : new TemplatePlateParser(options.Template);
    }
}
