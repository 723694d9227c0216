using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace PortScanEdge.Core.Configuration;

/// <summary>
/// Generates the JSON Schema (for YAML-aware editors) and the Markdown reference of the config file from the
/// option classes themselves, so neither can drift from what the loader accepts. A test compares both with
/// the committed files; regenerate with <c>portscan-edge schema</c>.
/// </summary>
public static class ConfigSchema
{
    /// <summary>Where the committed schema lives, relative to the repository root.</summary>
    public const string SchemaPath = "deploy/config/portscan-edge.schema.json";

    /// <summary>Where the committed reference lives, relative to the repository root.</summary>
    public const string ReferencePath = "docs/config-reference.md";

    /// <summary>The JSON Schema (draft 2020-12) of the whole config file.</summary>
    public static string GenerateJsonSchema()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("$schema", "https://json-schema.org/draft/2020-12/schema");
            writer.WriteString("$id", "https://portscanedge.example/schemas/portscan-edge.schema.json");
            writer.WriteString("title", "PortScanEdge gateway configuration");
            WriteObjectBody(writer, typeof(PortScanEdgeOptions));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>The Markdown reference: every key with its type, default and description.</summary>
    public static string GenerateMarkdown()
    {
        var builder = new StringBuilder();
        builder.Append("# Configuration reference\n\n");
        builder.Append("Generated from the option classes in `src/PortScanEdge.Core/Configuration/` by `portscan-edge schema --format markdown`;\n");
        builder.Append("a test fails when this file and the classes disagree. Unknown keys are errors. Durations take a unit\n");
        builder.Append("(`250ms`, `5s`, `2m`, `1h`). Secrets are never inline: write `${ENV_NAME}` or `file:/absolute/path`.\n");
        builder.Append("Relative paths are resolved against the config file's directory. Check a file with\n");
        builder.Append("`portscan-edge validate --config FILE`; editors can use `deploy/config/portscan-edge.schema.json`.\n\n");
        builder.Append("| key | type | default | description |\n|---|---|---|---|\n");
        WriteRows(builder, typeof(PortScanEdgeOptions), string.Empty, new PortScanEdgeOptions());
        return builder.ToString();
    }

    private static void WriteRows(StringBuilder builder, Type type, string prefix, object? defaults)
    {
        foreach (var property in ConfigNaming.BindableProperties(type))
        {
            var key = prefix + ConfigNaming.ToSnakeCase(property.Name);
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var required = property.GetCustomAttribute<RequiredKeyAttribute>() is not null ? " **required**" : string.Empty;
            var doc = property.GetCustomAttribute<DocAttribute>()?.Text ?? string.Empty;
            var value = defaults is null ? null : property.GetValue(defaults);
            if (ConfigNaming.IsList(target))
            {
                var element = target.GetGenericArguments()[0];
                builder.Append(CultureInfo.InvariantCulture, $"| `{key}` | list of {TypeWord(element)} | {DefaultText(value)} | {doc}{required} |\n");
                if (ConfigNaming.IsOptionsClass(element))
                {
                    WriteRows(builder, element, key + "[].", Activator.CreateInstance(element));
                }
            }
            else if (ConfigNaming.IsOptionsClass(target))
            {
                builder.Append(CultureInfo.InvariantCulture, $"| `{key}` | mapping | | {doc}{required} |\n");
                WriteRows(builder, target, key + ".", value ?? Activator.CreateInstance(target));
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"| `{key}` | {TypeWord(target)}{BoundsText(property)} | {DefaultText(value)} | {doc}{required} |\n");
            }
        }
    }

    private static string TypeWord(Type type)
    {
        if (type.IsEnum)
        {
            return string.Join(" \\| ", ConfigNaming.EnumWords(type).Select(w => "`" + w + "`"));
        }

        return type == typeof(string) ? "text"
            : type == typeof(int) ? "integer"
            : type == typeof(double) ? "number"
            : type == typeof(bool) ? "true/false"
            : type == typeof(TimeSpan) ? "duration"
            : type == typeof(SecretReference) ? "secret reference"
            : "mapping";
    }

    private static string BoundsText(PropertyInfo property)
    {
        var bounds = property.GetCustomAttribute<BoundsAttribute>();
        return bounds is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({bounds.Minimum}..{bounds.Maximum})");
    }

    private static string DefaultText(object? value) => value switch
    {
        null => string.Empty,
        string s when s.Length == 0 => string.Empty,
        string s => "`" + s + "`",
        bool b => b ? "`true`" : "`false`",
        TimeSpan t => "`" + Durations.Format(t) + "`",
        Enum e => "`" + ConfigNaming.ToSnakeCase(e.ToString()) + "`",
        IFormattable f => "`" + f.ToString(null, CultureInfo.InvariantCulture) + "`",
        System.Collections.ICollection { Count: 0 } => string.Empty,
        _ => string.Empty,
    };

    private static void WriteObjectBody(Utf8JsonWriter writer, Type type)
    {
        var defaults = Activator.CreateInstance(type);
        writer.WriteString("type", "object");
        var classDoc = type.GetCustomAttribute<DocAttribute>();
        if (classDoc is not null)
        {
            writer.WriteString("description", classDoc.Text);
        }

        writer.WriteBoolean("additionalProperties", false);
        var properties = ConfigNaming.BindableProperties(type).ToList();
        var required = properties.Where(p => p.GetCustomAttribute<RequiredKeyAttribute>() is not null).ToList();
        if (required.Count > 0)
        {
            writer.WriteStartArray("required");
            foreach (var property in required)
            {
                writer.WriteStringValue(ConfigNaming.ToSnakeCase(property.Name));
            }

            writer.WriteEndArray();
        }

        writer.WriteStartObject("properties");
        foreach (var property in properties)
        {
            writer.WriteStartObject(ConfigNaming.ToSnakeCase(property.Name));
            WriteProperty(writer, property, property.GetValue(defaults));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteProperty(Utf8JsonWriter writer, PropertyInfo property, object? defaultValue)
    {
        var doc = property.GetCustomAttribute<DocAttribute>();
        if (doc is not null)
        {
            writer.WriteString("description", doc.Text);
        }

        var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null ||
                       new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;
        var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        WriteTypeBody(writer, target, property, nullable);
        WriteDefault(writer, defaultValue);
    }

    private static void WriteTypeBody(Utf8JsonWriter writer, Type target, PropertyInfo? property, bool nullable)
    {
        if (ConfigNaming.IsList(target))
        {
            writer.WriteString("type", "array");
            var minItems = property?.GetCustomAttribute<MinItemsAttribute>();
            if (minItems is not null)
            {
                writer.WriteNumber("minItems", minItems.Count);
            }

            writer.WriteStartObject("items");
            WriteTypeBody(writer, target.GetGenericArguments()[0], null, false);
            writer.WriteEndObject();
            return;
        }

        if (ConfigNaming.IsOptionsClass(target))
        {
            if (nullable)
            {
                writer.WriteStartArray("anyOf");
                writer.WriteStartObject();
                WriteObjectBody(writer, target);
                writer.WriteEndObject();
                writer.WriteStartObject();
                writer.WriteString("type", "null");
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
            else
            {
                WriteObjectBody(writer, target);
            }

            return;
        }

        void Type(string name)
        {
            if (nullable)
            {
                writer.WriteStartArray("type");
                writer.WriteStringValue(name);
                writer.WriteStringValue("null");
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteString("type", name);
            }
        }

        if (target.IsEnum)
        {
            writer.WriteStartArray("enum");
            foreach (var word in ConfigNaming.EnumWords(target))
            {
                writer.WriteStringValue(word);
            }

            writer.WriteEndArray();
        }
        else if (target == typeof(string))
        {
            Type("string");
            var pattern = property?.GetCustomAttribute<PatternAttribute>();
            if (pattern is not null)
            {
                writer.WriteString("pattern", pattern.Regex);
            }
        }
        else if (target == typeof(bool))
        {
            Type("boolean");
        }
        else if (target == typeof(int) || target == typeof(double))
        {
            Type(target == typeof(int) ? "integer" : "number");
            var bounds = property?.GetCustomAttribute<BoundsAttribute>();
            if (bounds is not null)
            {
                writer.WriteNumber("minimum", bounds.Minimum);
                writer.WriteNumber("maximum", bounds.Maximum);
            }
        }
        else if (target == typeof(TimeSpan))
        {
            Type("string");
            writer.WriteString("pattern", Durations.SchemaPattern);
        }
        else if (target == typeof(SecretReference))
        {
            Type("string");
            writer.WriteString("pattern", @"^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|file:/.+)$");
        }
    }

    private static void WriteDefault(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case string s:
                writer.WriteString("default", s);
                break;
            case bool b:
                writer.WriteBoolean("default", b);
                break;
            case int i:
                writer.WriteNumber("default", i);
                break;
            case double d:
                writer.WriteNumber("default", d);
                break;
            case TimeSpan t:
                writer.WriteString("default", Durations.Format(t));
                break;
            case Enum e:
                writer.WriteString("default", ConfigNaming.ToSnakeCase(e.ToString()));
                break;
        }
    }
}
