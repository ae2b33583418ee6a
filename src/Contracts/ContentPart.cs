using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>One content part. Types other than text are passed through to the provider untouched.</summary>
public sealed record ContentPart
{
    /// <summary>text, image_url, input_audio, ...</summary>
    public string Type { get; init; } = "text";

    public string? Text { get; init; }

    /// <summary>Every other property of the part (for example <c>image_url</c>), kept as it arrived.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}
