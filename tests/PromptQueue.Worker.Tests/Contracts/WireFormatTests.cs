using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Tests.Contracts;

public class WireFormatTests
{
    [Fact]
    public void Request_from_a_newer_producer_with_unknown_fields_is_read()
    {
        const string json = """
            {"schemaVersion":1,"requestId":"r1","tenantId":"t","model":"m","priority":3,
             "messages":[{"role":"user","content":"hi","futureField":1}],
             "cachePolicy":"exactOnly","aFieldFromVersion7":{"nested":[1,2,3]}}
            """;

        var request = JsonSerializer.Deserialize<CompletionRequest>(json, WireJson.Options)!;

        Assert.Equal("r1", request.RequestId);
        Assert.Equal(CachePolicy.ExactOnly, request.CachePolicy);
        Assert.Equal("hi", request.Messages[0].Content!.Text);
    }

    [Fact]
    public void Content_is_a_string_or_an_array_of_parts_and_parts_keep_unknown_properties()
    {
        const string json = """
            {"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"https://example.invalid/a.png","detail":"low"}}]}
            """;

        var message = JsonSerializer.Deserialize<ChatMessage>(json, WireJson.Options)!;
        var roundTrip = JsonSerializer.Serialize(message, WireJson.Options);

        Assert.Equal(2, message.Content!.Parts!.Count);
        Assert.Equal("look", message.Content.Parts[0].Text);
        Assert.Contains("\"image_url\":{\"url\":\"https://example.invalid/a.png\",\"detail\":\"low\"}", roundTrip, StringComparison.Ordinal);
    }

    [Fact]
    public void Failure_codes_and_sources_are_written_as_stable_names()
    {
        var failed = new CompletionFailed
        {
            RequestId = "r",
            TenantId = "t",
            ErrorCode = FailureCode.ContextTooLong,
            ErrorMessage = "too long",
            Timings = new ResultTimings(),
        };
        var succeeded = new CompletionSucceeded
        {
            RequestId = "r",
            TenantId = "t",
            Model = "m",
            Usage = new TokenUsage(),
            Source = ResultSource.SemanticCache,
            Timings = new ResultTimings(),
        };

        var failedJson = JsonSerializer.Serialize(failed, WireJson.Options);
        var succeededJson = JsonSerializer.Serialize(succeeded, WireJson.Options);

        Assert.Contains("\"errorCode\":\"ContextTooLong\"", failedJson, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"failed\"", failedJson, StringComparison.Ordinal);
        Assert.Contains("\"source\":\"SemanticCache\"", succeededJson, StringComparison.Ordinal);
        Assert.DoesNotContain("null", succeededJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Routing_key_starts_with_the_tenant() =>
        Assert.Equal("acme.succeeded", WireSchema.ResultRoutingKey("acme", ResultOutcome.Succeeded));

    internal static string RepositoryRoot() => TestSupport.RepositoryRoot.Find();
}
