using System.Globalization;
using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Tests.Contracts;

/// <summary>Contract records with every field the worker can fill, so a schema check sees each one written.</summary>
internal static class WireSamples
{
    private static readonly DateTimeOffset Created = DateTimeOffset.Parse("2026-11-29T22:00:00Z", CultureInfo.InvariantCulture);

    public static CompletionRequest FullRequest() => new()
    {
        RequestId = "0b6c1a52-7a43-4e0e-8a53-3f0c9a1f2e11",
        TenantId = "acme",
        Model = "gpt-4o-mini",
        Messages =
        [
            new ChatMessage { Role = "system", Content = "You answer briefly." },
            new ChatMessage
            {
                Role = "user",
                Name = "alice",
                Content = new ChatContent
                {
                    Parts =
                    [
                        new ContentPart { Type = "text", Text = "What is on this picture?" },
                        new ContentPart { Type = "image_url", Extra = new() { ["image_url"] = Json("""{"url":"https://example.invalid/a.png"}""") } },
                    ],
                },
            },
            new ChatMessage { Role = "assistant", ToolCalls = ToolCalls },
            new ChatMessage { Role = "tool", ToolCallId = "call_1", Content = "a cat" },
        ],
        Temperature = 0.2,
        MaxTokens = 256,
        TopP = 0.9,
        Stop = ["\n\n", "END"],
        Seed = 42,
        PresencePenalty = 0.5,
        FrequencyPenalty = -0.5,
        ResponseFormat = Json("""{"type":"json_object"}"""),
        Tools = Json("""[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]"""),
        ToolChoice = Json("\"auto\""),
        Priority = 7,
        Deadline = Created.AddHours(1),
        CachePolicy = CachePolicy.ExactOnly,
        ReplyTo = "amq.gen-reply",
        Metadata = new Dictionary<string, string> { ["ticket"] = "T-1042", ["cacheTags"] = "faq,refunds" },
        CreatedAt = Created,
    };

    public static CompletionRequest MinimalRequest() => new()
    {
        RequestId = "r-1",
        TenantId = "acme",
        Model = "gpt-4o-mini",
        Messages = [new ChatMessage { Role = "user", Content = "hi" }],
    };

    /// <summary>A succeeded event as the worker fills it for this source (cache and coalesced answers name their match).</summary>
    public static CompletionSucceeded Succeeded(ResultSource source) => new()
    {
        RequestId = "r-2",
        TenantId = "acme",
        Model = "gpt-4o-mini",
        Content = "Thirty days from delivery.",
        ToolCalls = source == ResultSource.Provider ? ToolCalls : null,
        FinishReason = source == ResultSource.Provider ? "tool_calls" : "stop",
        Usage = new TokenUsage { PromptTokens = 31, CompletionTokens = 7, TotalTokens = 38 },
        Source = source,
        Similarity = source is ResultSource.SemanticCache or ResultSource.Coalesced ? 0.9712 : null,
        MatchedRequestId = source == ResultSource.Provider ? null : "r-1",
        Provider = "openai",
        Attempts = source == ResultSource.Provider ? 2 : 0,
        Priority = 7,
        Lane = "default",
        Timings = Timings(),
        Metadata = new Dictionary<string, string> { ["ticket"] = "T-1042" },
    };

    public static CompletionFailed Failed(FailureCode code) => new()
    {
        RequestId = "r-3",
        TenantId = "acme",
        Model = "gpt-4o-mini",
        ErrorCode = code,
        ErrorMessage = $"failed with {code}",
        Retryable = code is FailureCode.RateLimited or FailureCode.ProviderUnavailable or FailureCode.ProviderTimeout or FailureCode.Internal or FailureCode.QuotaExceeded,
        Attempts = 4,
        Priority = 3,
        Lane = "bulk",
        Timings = Timings(),
        Metadata = new Dictionary<string, string> { ["ticket"] = "T-1042" },
    };

    private static JsonElement ToolCalls => Json("""[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{}"}}]""");

    private static ResultTimings Timings() => new()
    {
        CreatedAt = Created,
        ReceivedAt = Created.AddMilliseconds(12.4),
        CompletedAt = Created.AddMilliseconds(837.7),
        QueueWaitMs = 12.4,
        BatchWaitMs = 9.8,
        ProviderMs = 812.0,
        WorkerMs = 825.3,
    };

    private static JsonElement Json(string json) => JsonElement.Parse(json);
}
