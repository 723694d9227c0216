using System.Reflection;
using System.Text.Json;
using PortScanEdge.Core.Configuration;

namespace PortScanEdge.Core.Tests.Configuration;

public class ConfigSchemaTests
{
    [Fact]
    public void CommittedSchema_MatchesOptionClasses()
    {
        var committed = File.ReadAllText(RepositoryPaths.Of(ConfigSchema.SchemaPath));

        Assert.True(committed == ConfigSchema.GenerateJsonSchema(),
            $"{ConfigSchema.SchemaPath} is out of date; regenerate with: portscan-edge schema > {ConfigSchema.SchemaPath}");
    }

    [Fact]
    public void CommittedReference_MatchesOptionClasses()
    {
        var committed = File.ReadAllText(RepositoryPaths.Of(ConfigSchema.ReferencePath));

        Assert.True(committed == ConfigSchema.GenerateMarkdown(),
            $"{ConfigSchema.ReferencePath} is out of date; regenerate with: portscan-edge schema --format markdown > {ConfigSchema.ReferencePath}");
    }

    [Fact]
    public void Schema_RejectsUnknownKeysEverywhere()
    {
        using var schema = JsonDocument.Parse(ConfigSchema.GenerateJsonSchema());
        var objects = 0;

        void Walk(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                if (element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "object")
                {
                    objects++;
                    Assert.False(element.GetProperty("additionalProperties").GetBoolean());
                }

                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item);
                }
            }
        }

        Walk(schema.RootElement);
        Assert.True(objects > 15, $"only {objects} object schemas found");
    }

    [Fact]
    public void EveryOption_HasADescriptionAndADefault()
    {
        var visited = new HashSet<Type>();
        var missing = new List<string>();

        void Check(Type type)
        {
            if (!visited.Add(type))
            {
                return;
            }

            var instance = Activator.CreateInstance(type);
            foreach (var property in ConfigNaming.BindableProperties(type))
            {
                if (property.GetCustomAttribute<DocAttribute>() is null)
                {
                    missing.Add($"{type.Name}.{property.Name}: no [Doc]");
                }

                var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                var nullable = new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable;
                if (!target.IsValueType && !nullable && property.GetValue(instance) is null)
                {
                    missing.Add($"{type.Name}.{property.Name}: no default");
                }

                if (ConfigNaming.IsList(target))
                {
                    target = target.GetGenericArguments()[0];
                }

                if (ConfigNaming.IsOptionsClass(target))
                {
                    Check(target);
                }
            }
        }

        Check(typeof(PortScanEdgeOptions));
        Assert.Empty(missing);
        Assert.True(visited.Count >= 15);
    }
}
