using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PromptQueue.Contracts;
using PromptQueue.Worker.Security;

namespace PromptQueue.Worker.Providers.OpenAi;

/// <summary>
/// Typed client of one OpenAI-compatible endpoint. The <see cref="HttpClient"/> comes from IHttpClientFactory with
/// pooling and resilience attached at registration; this class only speaks the protocol.
/// </summary>
public sealed class OpenAiChatClient(HttpClient http, string endpointName, string? apiKey, Limits.EndpointLimiter? limiter = null)
{
    public string EndpointName { get; } = endpointName;

    /// <summary>Header OpenAI (and compatible servers) record with a request, so a call can be found in provider logs.</summary>
    public const string ClientRequestIdHeader = "X-Client-Request-Id";

    public async Task<ProviderCallResult> CompleteAsync(JsonObject body, CancellationToken cancellationToken) =>
        await CompleteAsync(body, clientRequestId: null, cancellationToken);

    public async Task<ProviderCallResult> CompleteAsync(JsonObject body, string? clientRequestId, CancellationToken cancellationToken)
    {
        var counter = new AttemptCounter { Limiter = limiter };
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Options.Set(AttemptCounter.Key, counter);
        if (clientRequestId is not null)
        {
            request.Headers.TryAddWithoutValidation(ClientRequestIdHeader, clientRequestId);
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var payload = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? ParseSuccess(payload, counter.Count, elapsed)
                : MapFailure(response.StatusCode, payload, counter.Count, elapsed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return Failed(FailureCode.ProviderTimeout, $"Endpoint '{EndpointName}' timed out on every attempt.", true, counter.Count, started);
        }
        catch (BrokenCircuitException)
        {
            return Failed(FailureCode.ProviderUnavailable, $"Endpoint '{EndpointName}' is failing; its circuit is open.", true, counter.Count, started)
                with { CircuitOpen = true };
        }
        catch (HttpRequestException ex)
        {
            return Failed(FailureCode.ProviderUnavailable, $"Endpoint '{EndpointName}' could not be reached ({ex.HttpRequestError}).", true, counter.Count, started);
        }
        catch (OperationCanceledException)
        {
            // HttpClient reports its own timeout as a cancellation the caller did not ask for.
            return Failed(FailureCode.ProviderTimeout, $"Endpoint '{EndpointName}' timed out.", true, counter.Count, started);
        }
    }

    private ProviderCallResult ParseSuccess(string payload, int attempts, TimeSpan elapsed)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            var choice = root.GetProperty("choices")[0];
            var message = choice.GetProperty("message");
            var content = message.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            JsonElement? toolCalls = message.TryGetProperty("tool_calls", out var tc) && tc.ValueKind == JsonValueKind.Array ? tc.Clone() : null;
            var finish = choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            var usage = new TokenUsage();
            if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
            {
                usage = new TokenUsage
                {
                    PromptTokens = ReadInt(u, "prompt_tokens"),
                    CompletionTokens = ReadInt(u, "completion_tokens"),
                    TotalTokens = ReadInt(u, "total_tokens"),
                };
            }

            return new ProviderCallResult
            {
                Content = content,
                ToolCalls = toolCalls,
                FinishReason = finish,
                Usage = usage,
                Endpoint = EndpointName,
                Attempts = attempts,
                Elapsed = elapsed,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or IndexOutOfRangeException or InvalidOperationException)
        {
            return new ProviderCallResult
            {
                Endpoint = EndpointName,
                Attempts = attempts,
                Elapsed = elapsed,
                Failure = FailureCode.ProviderUnavailable,
                FailureMessage = $"Endpoint '{EndpointName}' answered with a body that is not a chat completion.",
                Retryable = true,
            };
        }
    }

    private ProviderCallResult MapFailure(HttpStatusCode status, string payload, int attempts, TimeSpan elapsed)
    {
        var code = (int)status;
        var providerMessage = ProviderErrorMessage(payload);
        var (failure, retryable) = code switch
        {
            429 => (FailureCode.RateLimited, true),
            408 or 504 => (FailureCode.ProviderTimeout, true),
            >= 500 => (FailureCode.ProviderUnavailable, true),
            400 when IsContextLengthError(payload) => (FailureCode.ContextTooLong, false),
            _ => (FailureCode.ProviderRejected, false),
        };
        return new ProviderCallResult
        {
            Endpoint = EndpointName,
            Attempts = attempts,
            Elapsed = elapsed,
            Failure = failure,
            FailureMessage = $"Endpoint '{EndpointName}' answered {code}{(providerMessage is null ? "" : ": " + providerMessage)}",
            Retryable = retryable,
        };
    }

    private ProviderCallResult Failed(FailureCode code, string message, bool retryable, int attempts, long started) => new()
    {
        Endpoint = EndpointName,
        Attempts = attempts,
        Elapsed = Stopwatch.GetElapsedTime(started),
        Failure = code,
        FailureMessage = message,
        Retryable = retryable,
    };

    private static int ReadInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out var n) ? n : 0;

    private static bool IsContextLengthError(string payload) =>
        payload.Contains("context_length_exceeded", StringComparison.Ordinal) || payload.Contains("maximum context length", StringComparison.OrdinalIgnoreCase);

    /// <summary>The provider's own error message, cut short, with our API key and any password-shaped value masked.</summary>
    private string? ProviderErrorMessage(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object &&
                error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                var text = message.GetString() ?? "";
                if (apiKey is { Length: >= 4 })
                {
                    text = text.Replace(apiKey, SecretRedactor.Mask, StringComparison.Ordinal);
                }

                text = SecretRedactor.RedactPatterns(text);
                return text.Length > 300 ? text[..300] : text;
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
