using System.Net;
using System.Text.Json.Nodes;
using PromptQueue.Contracts;
using PromptQueue.Worker.Providers.OpenAi;

namespace PromptQueue.Worker.Tests.Providers;

public class OpenAiChatClientTests
{
    private static readonly JsonObject Body = new() { ["model"] = "m", ["messages"] = new JsonArray() };

    [Fact]
    public async Task Usage_tokens_and_finish_reason_map_into_the_result()
    {
        var client = ClientAnswering(HttpStatusCode.OK, """
            {"choices":[{"index":0,"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}
            """);

        var result = await client.CompleteAsync(Body, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal("Paris", result.Content);
        Assert.Equal("stop", result.FinishReason);
        Assert.Equal(new TokenUsage { PromptTokens = 12, CompletionTokens = 3, TotalTokens = 15 }, result.Usage);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, FailureCode.RateLimited, true)]
    [InlineData(HttpStatusCode.InternalServerError, FailureCode.ProviderUnavailable, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, FailureCode.ProviderTimeout, true)]
    [InlineData(HttpStatusCode.Unauthorized, FailureCode.ProviderRejected, false)]
    public async Task Error_status_maps_to_a_stable_failure_code(HttpStatusCode status, FailureCode expected, bool retryable)
    {
        var client = ClientAnswering(status, """{"error":{"message":"nope","type":"x"}}""");

        var result = await client.CompleteAsync(Body, CancellationToken.None);

        Assert.Equal(expected, result.Failure);
        Assert.Equal(retryable, result.Retryable);
        Assert.Contains("nope", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Context_length_error_maps_to_ContextTooLong()
    {
        var client = ClientAnswering(HttpStatusCode.BadRequest, """{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}""");

        var result = await client.CompleteAsync(Body, CancellationToken.None);

        Assert.Equal(FailureCode.ContextTooLong, result.Failure);
    }

    [Fact]
    public async Task Api_key_goes_in_the_authorization_header_and_not_in_the_failure_message()
    {
        // A provider that echoes the key it was given (some gateways do) must not put it into the result event.
        var handler = new StubHandler(HttpStatusCode.Unauthorized, """{"error":{"message":"Incorrect API key provided: sk-secret-123 (upstream amqp://svc:hunter22@mq/)"}}""");
        var client = new OpenAiChatClient(new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1/v1/") }, "e", "sk-secret-123");

        var result = await client.CompleteAsync(Body, CancellationToken.None);

        Assert.Equal("Bearer sk-secret-123", handler.LastAuthorization);
        Assert.DoesNotContain("sk-secret-123", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter22", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided: ***", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_that_is_not_a_chat_completion_is_a_retryable_provider_failure()
    {
        var client = ClientAnswering(HttpStatusCode.OK, "<html>gateway</html>");

        var result = await client.CompleteAsync(Body, CancellationToken.None);

        Assert.Equal(FailureCode.ProviderUnavailable, result.Failure);
        Assert.True(result.Retryable);
    }

    private static OpenAiChatClient ClientAnswering(HttpStatusCode status, string body) =>
        new(new HttpClient(new StubHandler(status, body)) { BaseAddress = new Uri("http://127.0.0.1/v1/") }, "e", null);

    private sealed class StubHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public string? LastAuthorization { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastAuthorization = request.Headers.Authorization?.ToString();
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
        }
    }
}
