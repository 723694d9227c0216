namespace PortScanEdge.Devices.PlateReaders;

/// <summary>A recognised ISO 6346 container code.</summary>
/// <param name="Code">The 11 characters without spaces, e.g. <c>CSQU3054383</c>.</param>
/// <param name="CheckDigitValid">True when the 11th digit matches the mod-11 check digit of the first ten.</param>
/// <param name="ExpectedCheckDigit">The check digit the first ten characters give.</param>
public sealed record ContainerCode(string Code, bool CheckDigitValid, int ExpectedCheckDigit)
{
    /// <summary>Owner code (3 letters).</summary>
    public string Owner => Code[..3];

    /// <summary>Equipment category: U (freight container), J (detachable equipment) or Z (trailer/chassis).</summary>
    public char Category => Code[3];

    /// <summary>Serial number (6 digits).</summary>
    public string Serial => Code[4..10];
}

/// <summary>
/// ISO 6346 freight container codes: owner code (3 letters), category identifier (U, J or Z), serial number
/// (6 digits) and check digit. The check digit is Σ value(cᵢ)·2ⁱ (i = 0..9) mod 11, with 10 written as 0; letters
/// take the values 10..38 skipping multiples of 11 (A=10, B=12, ..., K=21, L=23, ..., U=32, V=34, ...).
/// </summary>
public static class Iso6346
{
    /// <summary>Recognises a container code in plate-reader text (spaces and dashes ignored, case-insensitive).</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ContainerCode? code)
    {
        code = null;
        if (text is null)
        {
            return false;
        }

        Span<char> normalised = stackalloc char[11];
        int n = 0;
        foreach (char c in text)
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            if (n == 11)
            {
                return false;
            }

            normalised[n++] = char.ToUpperInvariant(c);
        }

        if (n != 11)
        {
            return false;
        }

        for (int i = 0; i < 3; i++)
        {
            if (!char.IsAsciiLetterUpper(normalised[i]))
            {
                return false;
            }
        }

        if (normalised[3] is not ('U' or 'J' or 'Z'))
        {
            return false;
        }

        for (int i = 4; i < 11; i++)
        {
            if (!char.IsAsciiDigit(normalised[i]))
            {
                return false;
            }
        }

        int expected = ComputeCheckDigit(normalised[..10]);
        code = new ContainerCode(new string(normalised), normalised[10] - '0' == expected, expected);
        return true;
    }

    /// <summary>The check digit of the first ten characters (3 letters, category letter, 6 digits).</summary>
    public static int ComputeCheckDigit(ReadOnlySpan<char> firstTen)
    {
        if (firstTen.Length != 10)
        {
            throw new ArgumentException("an ISO 6346 code has ten characters before the check digit", nameof(firstTen));
        }

        int sum = 0;
        for (int i = 0; i < 10; i++)
        {
            sum += CharacterValue(firstTen[i]) << i;
        }

        return sum % 11 % 10;
    }

    /// <summary>The ISO 6346 value of a letter or digit.</summary>
    public static int CharacterValue(char c)
    {
        if (char.IsAsciiDigit(c))
        {
            return c - '0';
        }

        if (!char.IsAsciiLetterUpper(c))
        {
            throw new ArgumentException($"'{c}' is not an upper-case letter or digit", nameof(c));
        }

        // A=10 upwards, skipping 11, 22 and 33.
        int value = 10 + (c - 'A');
        value += value >= 11 ? 1 : 0;
        value += value >= 22 ? 1 : 0;
        value += value >= 33 ? 1 : 0;
        return value;
    }
}
