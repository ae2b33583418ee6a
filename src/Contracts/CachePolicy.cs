using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<CachePolicy>))]
public enum CachePolicy
{
    /// <summary>Exact, then semantic cache; store the answer.</summary>
    Default = 0,

    /// <summary>Neither read nor write the cache.</summary>
    Bypass = 1,

    /// <summary>Skip reading, call the provider, overwrite the cached answer.</summary>
    Refresh = 2,

    /// <summary>Exact cache only; never a semantic match.</summary>
    ExactOnly = 3,
}
