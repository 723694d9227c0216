using System.Text.Json;
using System.Text.Json.Serialization;

namespace PortScanEdge.Core.Transactions;

/// <summary>
/// The one JSON form of transactions and other records: snake_case keys, enums as snake_case words, UTC
/// timestamps in ISO 8601, nulls omitted. MQTT payloads, the audit log and review bundles all use it.
/// </summary>
public static class TransactionJson
{
    /// <summary>Serializer options (shared and immutable once first used).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Serialises a value with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Serialises a value to UTF-8 bytes with <see cref="Options"/>.</summary>
    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Deserialises a value written with <see cref="Options"/>.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
