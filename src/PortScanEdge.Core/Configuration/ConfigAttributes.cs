namespace PortScanEdge.Core.Configuration;

/// <summary>
/// Marks a string option whose value must be one of a fixed set of words, without being an enum
/// (for example <c>emulator</c> beside free-form device paths). Used by validation and the schema.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string regex, string explanation) : Attribute
{
    /// <summary>An anchored .NET/ECMAScript-compatible regular expression.</summary>
    public string Regex { get; } = regex;

    /// <summary>What the value must look like, said to a technician (e.g. "lower-case letters, digits and '-'").</summary>
    public string Explanation { get; } = explanation;
}

/// <summary>A numeric range for int or double options, checked at load and written to the JSON Schema.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BoundsAttribute(double minimum, double maximum) : Attribute
{
    /// <summary>Smallest allowed value, inclusive.</summary>
    public double Minimum { get; } = minimum;

    /// <summary>Largest allowed value, inclusive.</summary>
    public double Maximum { get; } = maximum;
}

/// <summary>The key must be present in the file (there is no sensible default).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredKeyAttribute : Attribute;

/// <summary>A list option that must have at least this many entries.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinItemsAttribute(int count) : Attribute
{
    /// <summary>Minimum number of entries.</summary>
    public int Count { get; } = count;
}

/// <summary>A one-line description of an option, shown in the schema, the reference and editor tooltips.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class | AttributeTargets.Field)]
public sealed class DocAttribute(string text) : Attribute
{
    /// <summary>The description.</summary>
    public string Text { get; } = text;
}
