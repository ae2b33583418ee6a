using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>Reads and writes OpenAI's "string or array of parts" content shape.</summary>
public sealed class ChatContentJsonConverter : JsonConverter<ChatContent>
{
    public override ChatContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return new ChatContent { Text = reader.GetString() };
            case JsonTokenType.StartArray:
                var parts = JsonSerializer.Deserialize<List<ContentPart>>(ref reader, options) ?? [];
                return new ChatContent { Parts = parts };
            default:
                throw new JsonException($"Message content must be a string or an array of parts, not {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, ChatContent value, JsonSerializerOptions options)
    {
        if (value.Parts is { } parts)
        {
            JsonSerializer.Serialize(writer, parts, options);
        }
        else if (value.Text is { } text)
        {
            writer.WriteStringValue(text);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
