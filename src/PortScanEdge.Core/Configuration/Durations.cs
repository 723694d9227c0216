using System.Globalization;
using System.Text.RegularExpressions;

namespace PortScanEdge.Core.Configuration;

/// <summary>Durations in the config are written with a unit: <c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>.</summary>
public static partial class Durations
{
    /// <summary>The pattern written to the JSON Schema.</summary>
    public const string SchemaPattern = @"^[0-9]+(\.[0-9]+)?(ms|s|m|h)$";

    /// <summary>Parses a duration with a unit; false when the text has no unit or is not a number.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        var match = DurationPattern().Match(text.Trim());
        value = TimeSpan.Zero;
        if (!match.Success ||
            !double.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var milliseconds = match.Groups[2].Value switch
        {
            "ms" => number,
            "s" => number * 1000,
            "m" => number * 60_000,
            _ => number * 3_600_000,
        };
        if (milliseconds > TimeSpan.FromDays(365).TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    /// <summary>Formats a duration the way the config writes it (used for defaults in the schema and docs).</summary>
    public static string Format(TimeSpan value)
    {
        if (value.TotalMilliseconds < 1000 || value.Milliseconds != 0)
        {
            return value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
        }

        if (value.TotalSeconds < 60 || value.Seconds != 0)
        {
            return value.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";
        }

        return value.TotalMinutes < 60 || value.Minutes != 0
            ? value.TotalMinutes.ToString(CultureInfo.InvariantCulture) + "m"
            : value.TotalHours.ToString(CultureInfo.InvariantCulture) + "h";
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$")]
    private static partial Regex DurationPattern();
}
