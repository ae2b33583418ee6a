using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>One chat turn. <see cref="Content"/> is a JSON string or an array of content parts, as in OpenAI's API.</summary>
public sealed record ChatMessage
{
    /// <summary>system, developer, user, assistant or tool.</summary>
    public string Role { get; init; } = "";

    [JsonConverter(typeof(ChatContentJsonConverter))]
    public ChatContent? Content { get; init; }

    public string? Name { get; init; }

    /// <summary>For role tool: the id of the call this message answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>For role assistant: the tool calls it made (passed through).</summary>
    public JsonElement? ToolCalls { get; init; }
}
