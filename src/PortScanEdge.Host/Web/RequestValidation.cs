namespace PortScanEdge.Host.Web;

/// <summary>Checks on values that come from the browser, before they touch anything.</summary>
public static class RequestValidation
{
    /// <summary>Largest request body the console accepts, in bytes (a decision is well under 2 KB).</summary>
    public const long MaximumBodyBytes = 8 * 1024;

    /// <summary>True when <paramref name="value"/> is a ULID as the lane assigns them: 26 Crockford base-32 characters.</summary>
    public static bool IsTransactionId(string? value)
    {
        if (value is null || value.Length != 26)
        {
            return false;
        }

        foreach (var c in value)
        {
            // Crockford base 32, upper case as Ulid.New writes it: no I, L, O, U.
            if (!(char.IsAsciiDigit(c) || (c is >= 'A' and <= 'Z' && c is not ('I' or 'L' or 'O' or 'U'))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="value"/> is a lane id as the config allows (letters, digits, '-', '_'; 1..32).</summary>
    public static bool IsLaneId(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 32)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="value"/> has no control characters (line breaks included).</summary>
    public static bool IsPrintable(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}
