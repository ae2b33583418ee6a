using System.Text.Json.Nodes;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Providers.OpenAi;

/// <summary>Maps a <see cref="CompletionRequest"/> to an OpenAI chat completions body (snake_case), passing tools and formats through.</summary>
public static class ChatRequestMapper
{
    public static JsonObject ToOpenAi(CompletionRequest request, string providerModel)
    {
        var messages = new JsonArray();
        foreach (var message in request.Messages)
        {
            var node = new JsonObject { ["role"] = message.Role };
            node["content"] = message.Content switch
            {
                { Parts: { } parts } => MapParts(parts),
                { Text: { } text } => JsonValue.Create(text),
                _ => null,
            };
            if (message.Name is { } name)
            {
                node["name"] = name;
            }

            if (message.ToolCallId is { } toolCallId)
            {
                node["tool_call_id"] = toolCallId;
            }

            if (message.ToolCalls is { } toolCalls)
            {
                node["tool_calls"] = JsonNode.Parse(toolCalls.GetRawText());
            }

            messages.Add(node);
        }

        var body = new JsonObject
        {
            ["model"] = providerModel,
            ["messages"] = messages,
        };
        foreach (var parameter in GenerationParameters.All)
        {
            parameter.WriteBody(body, request);
        }

        return body;
    }

    private static JsonArray MapParts(IReadOnlyList<ContentPart> parts)
    {
        var array = new JsonArray();
        foreach (var part in parts)
        {
            var node = new JsonObject { ["type"] = part.Type };
            if (part.Text is { } text)
            {
                node["text"] = text;
            }

            if (part.Extra is { } extra)
            {
                foreach (var (key, value) in extra)
                {
                    node[key] = JsonNode.Parse(value.GetRawText());
                }
            }

            array.Add(node);
        }

        return array;
    }
}
