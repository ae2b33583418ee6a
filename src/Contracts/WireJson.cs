using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>The JSON settings of the wire format: camelCase names, enums as strings, nulls omitted, unknown fields ignored.</summary>
public static class WireJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
