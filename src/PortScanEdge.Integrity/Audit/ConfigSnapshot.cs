using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PortScanEdge.Core.Configuration;
using PortScanEdge.Core.Transactions;

namespace PortScanEdge.Integrity.Audit;

/// <summary>
/// A flat view of a configuration (dotted key → value text) for summarising what changed. Secret references
/// appear as their reference (<c>${ENV}</c> or <c>file:/path</c>), never as a secret.
/// </summary>
public static class ConfigSnapshot
{
    /// <summary>Most changes listed in one <c>config_change</c> entry.</summary>
    public const int MaxListedChanges = 200;

    /// <summary>Flattens the options to sorted dotted keys.</summary>
    public static SortedDictionary<string, string> Flatten(PortScanEdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in typeof(PortScanEdgeOptions).GetProperties())
        {
            if (property.GetCustomAttributes(typeof(DocAttribute), false).Length == 0 && property.Name != nameof(PortScanEdgeOptions.Lanes))
            {
                continue; // ConfigDirectory and other non-settings
            }

            var value = property.GetValue(options);
            var node = value is null ? null : JsonSerializer.SerializeToNode(value, property.PropertyType, TransactionJson.Options);
            Walk(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name), node, result, value);
        }

        return result;
    }

    /// <summary>Keys whose value differs between two snapshots, in key order.</summary>
    public static IReadOnlyList<ConfigChangeItem> Diff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<ConfigChangeItem>();
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var hadBefore = before.TryGetValue(key, out var from);
            var hasAfter = after.TryGetValue(key, out var to);
            if (!hadBefore || !hasAfter || from != to)
            {
                changes.Add(new ConfigChangeItem(key, hadBefore ? from : null, hasAfter ? to : null));
            }
        }

        return changes;
    }

    private static void Walk(string prefix, JsonNode? node, SortedDictionary<string, string> result, object? value)
    {
        if (value is SecretReference secret)
        {
            result[prefix] = secret.ToString();
            return;
        }

        switch (node)
        {
            case null:
                result[prefix] = "null";
                break;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var childValue = value?.GetType().GetProperties().FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == key)?.GetValue(value);
                    Walk(prefix + "." + key, child, result, childValue);
                }

                break;
            case JsonArray array:
                var list = value as System.Collections.IList;
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(prefix + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", array[i], result, list is not null && i < list.Count ? list[i] : null);
                }

                if (array.Count == 0)
                {
                    result[prefix] = "[]";
                }

                break;
            default:
                result[prefix] = node.ToJsonString(TransactionJson.Options).Trim('"');
                break;
        }
    }
}
