using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace PromptQueue.ProviderSimulator;

/// <summary>Answers OpenAI chat completion requests with deterministic content, simulated latency and injected faults.</summary>
public sealed class ChatCompletionSimulator(IOptions<SimulatorOptions> options, SimulatorCounters counters, TimeProvider time)
{
    private readonly SimulatorOptions _options = options.Value;
    private readonly Random _random = new(options.Value.Seed);
    private readonly Lock _randomLock = new();
    private readonly ConcurrentDictionary<ulong, int> _callsByPrompt = new();
    private int _working;

    public async Task HandleAsync(HttpContext http)
    {
        counters.RequestStarted();
        var status = StatusCodes.Status200OK;
        var working = Interlocked.Increment(ref _working);
        try
        {
            status = _options.MaxConcurrency > 0 && working > _options.MaxConcurrency
                ? await FaultAsync(http, StatusCodes.Status429TooManyRequests)
                : await RespondAsync(http);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            status = 499;
        }
        finally
        {
            Interlocked.Decrement(ref _working);
            counters.RequestEnded(status);
        }
    }

    private async Task<int> RespondAsync(HttpContext http)
    {
        var receivedAt = time.GetUtcNow();
        var aborted = http.RequestAborted;
        if (_options.ApiKey is { Length: > 0 } key && http.Request.Headers.Authorization.ToString() != "Bearer " + key)
        {
            return await ErrorAsync(http, StatusCodes.Status401Unauthorized, "invalid_api_key", "Incorrect API key provided.");
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: aborted);
        }
        catch (JsonException ex)
        {
            return await ErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_json", ex.Message);
        }

        var model = body?["model"]?.GetValue<string>();
        if (body?["messages"] is not JsonArray messages || messages.Count == 0 || string.IsNullOrEmpty(model))
        {
            return await ErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_request_error", "model and messages are required.");
        }

        if (body["stream"]?.GetValue<bool>() == true)
        {
            return await ErrorAsync(http, StatusCodes.Status400BadRequest, "invalid_request_error", "stream is not supported by the simulator.");
        }

        var prompt = PromptText(messages);
        var lastUser = LastUserText(messages);
        counters.Received(model, lastUser);
        var directives = SimulationDirectives.Parse(prompt);
        var promptHash = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(model + "\n" + prompt)));
        var call = _callsByPrompt.AddOrUpdate(promptHash, 1, (_, n) => n + 1);

        if (directives.StallMs is { } stall)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(stall), time, aborted);
        }
        else if (Roll(_options.StallRate))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(_options.StallMs), time, aborted);
        }

        if (directives.Status is { } forced && forced != StatusCodes.Status200OK)
        {
            return await FaultAsync(http, forced);
        }

        if (call <= directives.FailFirst)
        {
            return await FaultAsync(http, directives.FailStatus);
        }

        if (Roll(_options.RateLimitRate))
        {
            return await FaultAsync(http, StatusCodes.Status429TooManyRequests);
        }

        if (Roll(_options.ServerErrorRate))
        {
            return await FaultAsync(http, StatusCodes.Status500InternalServerError);
        }

        var maxTokens = body["max_completion_tokens"]?.GetValue<int>() ?? body["max_tokens"]?.GetValue<int>() ?? 256;
        var content = $"Simulated answer {promptHash:x16} to: {Truncate(lastUser, 80)}";
        var completionTokens = Math.Max(1, Math.Min(maxTokens, 8 + (int)(promptHash % 56)));
        var finishReason = completionTokens == maxTokens ? "length" : "stop";
        var promptTokens = Math.Max(1, prompt.Length / 4);

        var latency = directives.LatencyMs ?? (_options.BaseLatencyMs + (_options.PerTokenLatencyMs * completionTokens) + Jitter());
        if (latency > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(latency), time, aborted);
        }

        var response = new JsonObject
        {
            ["id"] = $"chatcmpl-{promptHash:x16}-{call}",
            ["object"] = "chat.completion",
            ["created"] = time.GetUtcNow().ToUnixTimeSeconds(),
            ["model"] = model,
            ["system_fingerprint"] = "promptqueue-simulator",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = finishReason,
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(response.ToJsonString(), aborted);
        var clientRequestId = http.Request.Headers["X-Client-Request-Id"].ToString();
        counters.Answered(new AnsweredCall(lastUser, clientRequestId.Length > 0 ? clientRequestId : null, receivedAt, time.GetUtcNow()));
        return StatusCodes.Status200OK;
    }

    private Task<int> FaultAsync(HttpContext http, int status)
    {
        if (status == StatusCodes.Status429TooManyRequests)
        {
            http.Response.Headers.RetryAfter = _options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return ErrorAsync(http, status, "rate_limit_exceeded", "Rate limit reached (simulated).");
        }

        return ErrorAsync(http, status, "server_error", $"Simulated failure {status}.");
    }

    private static async Task<int> ErrorAsync(HttpContext http, int status, string code, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var error = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = code, ["code"] = code } };
        await http.Response.WriteAsync(error.ToJsonString(), http.RequestAborted);
        return status;
    }

    private bool Roll(double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        lock (_randomLock)
        {
            return _random.NextDouble() < rate;
        }
    }

    private int Jitter()
    {
        if (_options.JitterMs <= 0)
        {
            return 0;
        }

        lock (_randomLock)
        {
            return _random.Next(_options.JitterMs + 1);
        }
    }

    private static string PromptText(JsonArray messages)
    {
        var sb = new StringBuilder();
        foreach (var message in messages)
        {
            sb.Append(message?["role"]?.GetValue<string>()).Append(": ").Append(ContentText(message?["content"])).Append('\n');
        }

        return sb.ToString();
    }

    private static string LastUserText(JsonArray messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i]?["role"]?.GetValue<string>() == "user")
            {
                return ContentText(messages[i]?["content"]);
            }
        }

        return "";
    }

    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Join(' ', parts.Select(p => p?["text"]?.GetValue<string>()).Where(t => t is not null)),
        _ => "",
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
