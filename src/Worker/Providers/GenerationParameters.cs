using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Providers;

/// <summary>
/// The generation parameters of a request: every <see cref="CompletionRequest"/> field sent to the provider besides
/// the model and the messages. One list for both places that must agree on them: <see cref="OpenAi.ChatRequestMapper"/>
/// writes each into the provider body and <see cref="Coalescing.RequestFingerprint"/> into the cache scope, so a
/// parameter the provider sees always separates answers. A request field that is neither here nor explicitly exempt
/// fails <c>RequestFingerprintTests</c>.
/// </summary>
public static class GenerationParameters
{
    /// <summary>In scope-hash order (changing the order or a key changes every cache key).</summary>
    public static IReadOnlyList<GenerationParameter> All { get; } =
    [
        Number(nameof(CompletionRequest.Temperature), "temperature", "temperature", r => r.Temperature),
        Number(nameof(CompletionRequest.MaxTokens), "maxTokens", "max_tokens", r => r.MaxTokens),
        Number(nameof(CompletionRequest.TopP), "topP", "top_p", r => r.TopP),
        Number(nameof(CompletionRequest.Seed), "seed", "seed", r => r.Seed),
        Number(nameof(CompletionRequest.PresencePenalty), "presencePenalty", "presence_penalty", r => r.PresencePenalty),
        Number(nameof(CompletionRequest.FrequencyPenalty), "frequencyPenalty", "frequency_penalty", r => r.FrequencyPenalty),
        new(nameof(CompletionRequest.Stop),
            // The scope has always written stop, even when absent (null) or empty: kept so cache keys do not change.
            (writer, r) =>
            {
                writer.WritePropertyName("stop");
                JsonSerializer.Serialize(writer, r.Stop, WireJson.Options);
            },
            (body, r) =>
            {
                if (r.Stop is { Count: > 0 } stop)
                {
                    body["stop"] = new JsonArray([.. stop.Select(s => JsonValue.Create(s))]);
                }
            }),
        Raw(nameof(CompletionRequest.ResponseFormat), "responseFormat", "response_format", r => r.ResponseFormat),
        Raw(nameof(CompletionRequest.Tools), "tools", "tools", r => r.Tools),
        Raw(nameof(CompletionRequest.ToolChoice), "toolChoice", "tool_choice", r => r.ToolChoice),
    ];

    private static GenerationParameter Number<T>(string property, string scopeKey, string bodyKey, Func<CompletionRequest, T?> read)
        where T : struct, INumber<T> =>
        new(property,
            (writer, r) =>
            {
                if (read(r) is { } v)
                {
                    writer.WriteNumber(scopeKey, double.CreateChecked(v));
                }
            },
            (body, r) =>
            {
                if (read(r) is { } v)
                {
                    body[bodyKey] = JsonValue.Create(v);
                }
            });

    private static GenerationParameter Raw(string property, string scopeKey, string bodyKey, Func<CompletionRequest, JsonElement?> read) =>
        new(property,
            (writer, r) =>
            {
                if (Present(read(r)) is { } v)
                {
                    writer.WritePropertyName(scopeKey);
                    v.WriteTo(writer);
                }
            },
            (body, r) =>
            {
                if (Present(read(r)) is { } v)
                {
                    body[bodyKey] = JsonNode.Parse(v.GetRawText());
                }
            });

    private static JsonElement? Present(JsonElement? value) =>
        value is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } v ? v : null;
}

/// <summary>One generation parameter: the request property it reads, its cache-scope writer and its provider-body writer.</summary>
public sealed record GenerationParameter(string Property, Action<Utf8JsonWriter, CompletionRequest> WriteScope, Action<JsonObject, CompletionRequest> WriteBody);
