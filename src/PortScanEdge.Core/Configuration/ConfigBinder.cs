using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace PortScanEdge.Core.Configuration;

/// <summary>
/// Binds a <see cref="YamlTree"/> onto the option classes, strictly: unknown keys, wrong kinds of value,
/// values that do not parse, values out of bounds and missing required keys are all problems with a
/// position. Records where every bound value came from so later checks can point at it too.
/// </summary>
internal sealed class ConfigBinder(string file)
{
    /// <summary>Most nodes visited while binding; bounds alias ("billion laughs") expansion.</summary>
    public const int MaxNodes = 20_000;

    private readonly Dictionary<string, (int Line, int Column)> _locations = new(StringComparer.Ordinal);
    private int _visited;

    public List<ConfigProblem> Problems { get; } = [];

    public IReadOnlyDictionary<string, (int Line, int Column)> Locations => _locations;

    public T? Bind<T>(YamlTreeNode root)
        where T : class, new()
    {
        try
        {
            if (root is not YamlMappingNode mapping)
            {
                Add(root, string.Empty, $"the top level must be a mapping of sections (site:, gateway:, lanes:, ...), found {root.KindName}");
                return null;
            }

            return (T)BindObject(mapping, typeof(T), string.Empty);
        }
        catch (NodeBudgetExceededException)
        {
            Problems.Clear();
            Problems.Add(new ConfigProblem(file, root.Line, root.Column, string.Empty,
                $"the file expands to more than {MaxNodes} values through anchors and aliases; refusing it as an expansion bomb"));
            return null;
        }
    }

    private object BindObject(YamlMappingNode mapping, Type type, string path)
    {
        var instance = Activator.CreateInstance(type)!;
        var properties = ConfigNaming.BindableProperties(type).ToDictionary(p => ConfigNaming.ToSnakeCase(p.Name), StringComparer.Ordinal);
        var seen = new Dictionary<string, YamlScalarNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Entries)
        {
            Visit();
            var key = keyNode.Value;
            var childPath = path.Length == 0 ? key : path + "." + key;
            if (seen.TryGetValue(key, out var first))
            {
                Add(keyNode, childPath, $"duplicate key '{key}' (first at line {first.Line})");
                continue;
            }

            seen[key] = keyNode;
            if (!properties.TryGetValue(key, out var property))
            {
                Add(keyNode, childPath, UnknownKeyMessage(key, properties.Keys, path));
                continue;
            }

            _locations[childPath] = (valueNode.Line, valueNode.Column);
            if (TryBindValue(valueNode, property.PropertyType, childPath, property, out var value))
            {
                property.SetValue(instance, value);
            }
        }

        foreach (var (key, property) in properties)
        {
            if (property.GetCustomAttribute<RequiredKeyAttribute>() is not null && !seen.ContainsKey(key))
            {
                Add(mapping, path.Length == 0 ? key : path + "." + key, $"missing required key '{key}' ({Describe(property)})");
            }
        }

        return instance;
    }

    private bool TryBindValue(YamlTreeNode node, Type type, string path, PropertyInfo? property, out object? value)
    {
        Visit();
        value = null;
        var underlying = Nullable.GetUnderlyingType(type);
        var isNullable = underlying is not null || (!type.IsValueType && IsNullableReference(property));
        var target = underlying ?? type;

        if (node is YamlScalarNode { IsNull: true })
        {
            if (isNullable)
            {
                return true;
            }

            if (ConfigNaming.IsList(target))
            {
                value = Activator.CreateInstance(target);
                return true;
            }

            Add(node, path, $"a value is required ({ExpectedText(target)})");
            return false;
        }

        if (ConfigNaming.IsList(target))
        {
            if (node is not YamlSequenceNode sequence)
            {
                Add(node, path, $"expected a list, found {node.KindName}");
                return false;
            }

            var elementType = target.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(target)!;
            var ok = true;
            for (var i = 0; i < sequence.Items.Count; i++)
            {
                var itemPath = $"{path}[{i}]";
                _locations[itemPath] = (sequence.Items[i].Line, sequence.Items[i].Column);
                if (TryBindValue(sequence.Items[i], elementType, itemPath, null, out var item) && item is not null)
                {
                    list.Add(item);
                }
                else
                {
                    ok = false;
                }
            }

            var minItems = property?.GetCustomAttribute<MinItemsAttribute>();
            if (minItems is not null && sequence.Items.Count < minItems.Count)
            {
                Add(node, path, $"needs at least {minItems.Count} {(minItems.Count == 1 ? "entry" : "entries")}");
            }

            value = list;
            return ok;
        }

        if (ConfigNaming.IsOptionsClass(target))
        {
            if (node is not YamlMappingNode mapping)
            {
                Add(node, path, $"expected {ExpectedText(target)}, found {node.KindName}");
                return false;
            }

            value = BindObject(mapping, target, path);
            return true;
        }

        if (node is not YamlScalarNode scalar)
        {
            Add(node, path, $"expected {ExpectedText(target)}, found {node.KindName}");
            return false;
        }

        return TryConvertScalar(scalar, target, path, property, out value);
    }

    private bool TryConvertScalar(YamlScalarNode scalar, Type target, string path, PropertyInfo? property, out object? value)
    {
        value = null;
        var text = scalar.Value;
        if (target == typeof(string))
        {
            var pattern = property?.GetCustomAttribute<PatternAttribute>();
            if (pattern is not null && !Regex.IsMatch(text, pattern.Regex))
            {
                Add(scalar, path, $"'{text}' is not valid: {pattern.Explanation}");
                return false;
            }

            value = text;
            return true;
        }

        if (target == typeof(bool))
        {
            if (scalar.IsPlain && (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE"))
            {
                value = text.Equals("true", StringComparison.OrdinalIgnoreCase);
                return true;
            }

            Add(scalar, path, $"'{text}' is not true or false");
            return false;
        }

        if (target == typeof(int))
        {
            if (!scalar.IsPlain || !int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                Add(scalar, path, $"'{text}' is not a whole number");
                return false;
            }

            value = number;
            return CheckBounds(scalar, path, property, number);
        }

        if (target == typeof(double))
        {
            if (!scalar.IsPlain ||
                !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ||
                !double.IsFinite(number))
            {
                Add(scalar, path, $"'{text}' is not a number");
                return false;
            }

            value = number;
            return CheckBounds(scalar, path, property, number);
        }

        if (target == typeof(TimeSpan))
        {
            if (!Durations.TryParse(text, out var duration))
            {
                Add(scalar, path, $"'{text}' is not a duration; write a number with a unit, e.g. 250ms, 5s, 2m or 1h");
                return false;
            }

            value = duration;
            return true;
        }

        if (target == typeof(SecretReference))
        {
            if (!SecretReference.TryParse(text, out var secret, out var error))
            {
                // Never echo the value: it may be the secret itself.
                Add(scalar, path, error);
                return false;
            }

            value = secret;
            return true;
        }

        if (target.IsEnum)
        {
            var words = ConfigNaming.EnumWords(target);
            var names = Enum.GetNames(target);
            for (var i = 0; i < words.Count; i++)
            {
                if (string.Equals(words[i], text, StringComparison.Ordinal))
                {
                    value = Enum.Parse(target, names[i]);
                    return true;
                }
            }

            Add(scalar, path, $"'{text}' is not one of: {string.Join(", ", words)}");
            return false;
        }

        throw new NotSupportedException($"Option type {target} has no YAML binding.");
    }

    private bool CheckBounds(YamlScalarNode scalar, string path, PropertyInfo? property, double number)
    {
        var bounds = property?.GetCustomAttribute<BoundsAttribute>();
        if (bounds is null || (number >= bounds.Minimum && number <= bounds.Maximum))
        {
            return true;
        }

        Add(scalar, path, string.Create(CultureInfo.InvariantCulture, $"{scalar.Value} is out of range {bounds.Minimum}..{bounds.Maximum}"));
        return false;
    }

    private static bool IsNullableReference(PropertyInfo? property) =>
        property is not null && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;

    private static string ExpectedText(Type target)
    {
        if (target == typeof(string))
        {
            return "text";
        }

        if (target == typeof(int))
        {
            return "a whole number";
        }

        if (target == typeof(double))
        {
            return "a number";
        }

        if (target == typeof(bool))
        {
            return "true or false";
        }

        if (target == typeof(TimeSpan))
        {
            return "a duration such as 5s";
        }

        if (target == typeof(SecretReference))
        {
            return "${ENV_NAME} or file:/path";
        }

        if (target.IsEnum)
        {
            return "one of: " + string.Join(", ", ConfigNaming.EnumWords(target));
        }

        return "a mapping (key: value pairs)";
    }

    private static string Describe(PropertyInfo property) =>
        property.GetCustomAttribute<DocAttribute>()?.Text.TrimEnd('.') ?? ExpectedText(property.PropertyType);

    private static string UnknownKeyMessage(string key, IEnumerable<string> known, string parentPath)
    {
        var candidates = known.ToList();
        var suggestion = Suggest(key, candidates);
        var where = parentPath.Length == 0 ? "at the top level" : $"in {parentPath}";
        return suggestion is not null
            ? $"unknown key '{key}' {where}; did you mean '{suggestion}'?"
            : $"unknown key '{key}' {where}; valid keys: {string.Join(", ", candidates)}";
    }

    /// <summary>The known key closest to a typo, if one is close enough to be a plausible intent.</summary>
    internal static string? Suggest(string key, IReadOnlyCollection<string> known)
    {
        static string Squash(string s) => s.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        var squashed = Squash(key);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            if (Squash(candidate) == squashed)
            {
                return candidate;
            }

            var distance = Levenshtein(key.ToLowerInvariant(), candidate);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        return bestDistance <= Math.Max(1, Math.Min(3, key.Length / 3)) ? best : null;
    }

    /// <summary>Optimal-string-alignment distance: like Levenshtein, with a swap of two neighbours counting as one edit.</summary>
    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private void Visit()
    {
        if (++_visited > MaxNodes)
        {
            throw new NodeBudgetExceededException();
        }
    }

    private void Add(YamlTreeNode node, string path, string message) =>
        Problems.Add(new ConfigProblem(file, node.Line, node.Column, path, message));

    private sealed class NodeBudgetExceededException : Exception;
}
