using System.Text.Json.Nodes;
using Json.Schema;

namespace PortScanEdge.Messaging.Tests.Infrastructure;

/// <summary>The JSON Schemas of docs/schemas, loaded once, and which one a topic's payload must satisfy.</summary>
internal static class PayloadSchemas
{
    private static readonly Lazy<Dictionary<string, JsonSchema>> Schemas = new(Load);

    public static string Directory => RepositoryPaths.Of("docs/schemas");

    /// <summary>The schema file name for a topic published by a gateway; null for topics that are not the gateway's.</summary>
    public static string? SchemaFor(string topic)
    {
        var levels = topic.Split('/');
        return levels switch
        {
            [.., "availability"] => "availability.json",
            [.., "birth"] => "birth.json",
            [.., "telemetry"] => "telemetry.json",
            [.., "audit", "checkpoint"] => "audit-checkpoint.json",
            [.., "devices", _, "health"] => "device-health.json",
            [.., "health"] => "health.json",
            [.., "lanes", _, "state"] => "lane-state.json",
            [.., "lanes", _, "records"] => "vehicle-record.json",
            [.., "lanes", _, "alerts"] => "alert.json",
            [.., "lanes", _, "decisions"] => "decision.json",
            [.., "cmd", _, _, "response"] => "command-response.json",
            _ => null,
        };
    }

    /// <summary>Validates a payload against a schema file; returns the errors (empty when valid).</summary>
    public static IReadOnlyList<string> Validate(string schemaFile, string payload)
    {
        var schema = Schemas.Value[schemaFile];
        var node = JsonNode.Parse(payload);
        var result = schema.Evaluate(node, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        return [.. result.Details.Where(d => d.HasErrors).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))];
    }

    /// <summary>Asserts a gateway payload on <paramref name="topic"/> satisfies its schema.</summary>
    public static void AssertValid(string topic, string payload)
    {
        var file = SchemaFor(topic) ?? throw new Xunit.Sdk.XunitException($"no schema for topic {topic}");
        var errors = Validate(file, payload);
        Assert.True(errors.Count == 0, $"{topic} payload does not satisfy docs/schemas/{file}:\n{string.Join('\n', errors)}\npayload: {payload}");
    }

    private static Dictionary<string, JsonSchema> Load()
    {
        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json"))
        {
            var schema = JsonSchema.FromFile(file);
            SchemaRegistry.Global.Register(schema);
            schemas[Path.GetFileName(file)] = schema;
        }

        return schemas;
    }
}
