using System.Reflection;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Providers.OpenAi;

namespace PromptQueue.Worker.Tests.Coalescing;

/// <summary>
/// Two requests may share an answer only if the provider would see the same thing. Every request field is either a
/// generation parameter (sent to the provider and part of the cache scope, from one list), or exempt here with the
/// reason; a new field in <see cref="CompletionRequest"/> fails until someone decides which.
/// </summary>
public sealed class GenerationParametersTests
{
    private static readonly Dictionary<string, string> NotParameters = new(StringComparer.Ordinal)
    {
        [nameof(CompletionRequest.SchemaVersion)] = "describes the wire format, not the question",
        [nameof(CompletionRequest.RequestId)] = "identifies the delivery (idempotency), not the question",
        [nameof(CompletionRequest.TenantId)] = "in the scope on its own (or replaced by an explicit shared scope)",
        [nameof(CompletionRequest.Model)] = "in the scope on its own; the provider gets the endpoint's model name",
        [nameof(CompletionRequest.Messages)] = "in the scope (turns before the last) and the exact key (last turn)",
        [nameof(CompletionRequest.Priority)] = "scheduling only: the provider never sees it",
        [nameof(CompletionRequest.Deadline)] = "scheduling only: the provider never sees it",
        [nameof(CompletionRequest.CachePolicy)] = "decides whether reuse happens at all (ReuseClassifier), not what is asked",
        [nameof(CompletionRequest.ReplyTo)] = "routing of the result only",
        [nameof(CompletionRequest.Metadata)] = "echoed to the producer; never sent to the provider nor stored in the cache",
        [nameof(CompletionRequest.CreatedAt)] = "timing only",
    };

    public static TheoryData<string> Parameters() => [.. GenerationParameters.All.Select(p => p.Property)];

    [Fact]
    public void Every_request_field_is_a_generation_parameter_or_exempt_with_a_reason()
    {
        var parameters = GenerationParameters.All.Select(p => p.Property).ToHashSet(StringComparer.Ordinal);
        var properties = typeof(CompletionRequest).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();

        Assert.All(properties, name => Assert.True(parameters.Contains(name) ^ NotParameters.ContainsKey(name),
            $"CompletionRequest.{name} must be in GenerationParameters.All (sent and scoped) or exempt in this test with a reason, not both."));
        Assert.All(parameters, name => Assert.Contains(name, properties));
    }

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Each_parameter_reaches_the_provider_and_separates_cache_scopes(string property)
    {
        var plain = TestRequests.Valid() with { MaxTokens = null };
        var changed = WithValue(plain, property);

        Assert.NotEqual(RequestFingerprint.Scope(plain), RequestFingerprint.Scope(changed));
        Assert.True(ChatRequestMapper.ToOpenAi(changed, "m").Count > ChatRequestMapper.ToOpenAi(plain, "m").Count, $"{property} is not in the provider body.");
    }

    [Fact]
    public void Scope_hashes_are_the_ones_earlier_releases_stored()
    {
        // Computed with the fingerprint before parameters had one list: cache entries in Redis stay reachable.
        var full = new CompletionRequest
        {
            RequestId = "r-1",
            TenantId = "acme",
            Model = "sim-small",
            Messages = [new ChatMessage { Role = "system", Content = "Be brief." }, new ChatMessage { Role = "user", Content = "Hi?" }],
            Temperature = 0.7,
            MaxTokens = 64,
            TopP = 0.9,
            Seed = 42,
            PresencePenalty = 0.1,
            FrequencyPenalty = -0.2,
            Stop = ["END"],
            ResponseFormat = Json("""{"type":"json_object"}"""),
            Tools = Json("""[{"type":"function","function":{"name":"f"}}]"""),
            ToolChoice = Json("\"auto\""),
        };
        var bare = new CompletionRequest { TenantId = "acme", Model = "sim-small", Messages = [new ChatMessage { Role = "user", Content = "Hi?" }] };

        Assert.Equal("e45cbc275642ad67f2fdbacb0ed79bee99b3490c32a13cd1cf51b5dfb85330dd", RequestFingerprint.Scope(full));
        Assert.Equal("5f69249d25e215281677ed58fd5827739add45c4d99e0ad31e4af5dae091f407", RequestFingerprint.Scope(bare));
    }

    private static CompletionRequest WithValue(CompletionRequest request, string property) => property switch
    {
        nameof(CompletionRequest.Temperature) => request with { Temperature = 0.3 },
        nameof(CompletionRequest.MaxTokens) => request with { MaxTokens = 12 },
        nameof(CompletionRequest.TopP) => request with { TopP = 0.5 },
        nameof(CompletionRequest.Seed) => request with { Seed = 7 },
        nameof(CompletionRequest.PresencePenalty) => request with { PresencePenalty = 0.4 },
        nameof(CompletionRequest.FrequencyPenalty) => request with { FrequencyPenalty = 0.4 },
        nameof(CompletionRequest.Stop) => request with { Stop = ["\n\n"] },
        nameof(CompletionRequest.ResponseFormat) => request with { ResponseFormat = Json("""{"type":"json_object"}""") },
        nameof(CompletionRequest.Tools) => request with { Tools = Json("""[{"type":"function","function":{"name":"f"}}]""") },
        nameof(CompletionRequest.ToolChoice) => request with { ToolChoice = Json("\"none\"") },
        _ => throw new ArgumentOutOfRangeException(nameof(property), property, "A new generation parameter needs a value here."),
    };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
