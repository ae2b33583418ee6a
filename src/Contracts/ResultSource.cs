using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<ResultSource>))]
public enum ResultSource
{
    Provider = 0,
    ExactCache = 1,
    SemanticCache = 2,
    Coalesced = 3,
}
