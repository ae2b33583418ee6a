using System.Text.Json.Nodes;
using MassTransit;
using PromptQueue.Contracts;

namespace PromptQueue.PlainWorker;

/// <summary>
/// One message, one provider call, one result, as a team would write it: no validation beyond the JSON, no cache,
/// no coalescing, no retries beyond what MassTransit does with an exception (none configured here).
/// </summary>
public sealed class PlainCompletionConsumer(HttpClient provider, TimeProvider time) : IConsumer<CompletionRequest>
{
    private static readonly Uri Results = new($"exchange:{WireSchema.ResultsExchange}?type=topic&alternateexchange={WireSchema.ResultsExchange}.unrouted");

    public async Task Consume(ConsumeContext<CompletionRequest> context)
    {
        var request = context.Message;
        var receivedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var body = new JsonObject
        {
            ["model"] = request.Model,
            ["messages"] = new JsonArray([.. request.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content?.Text ?? "" })]),
            ["max_tokens"] = request.MaxTokens,
            ["temperature"] = request.Temperature,
        };
        using var response = await provider.PostAsJsonAsync("chat/completions", body, context.CancellationToken);
        var timings = new ResultTimings
        {
            CreatedAt = request.CreatedAt,
            ReceivedAt = receivedAt,
            CompletedAt = time.GetUtcNow(),
            QueueWaitMs = request.CreatedAt is { } created ? (receivedAt - created).TotalMilliseconds : null,
            ProviderMs = time.GetElapsedTime(started).TotalMilliseconds,
            WorkerMs = time.GetElapsedTime(started).TotalMilliseconds,
        };
        var endpoint = await context.GetSendEndpoint(Results);
        if (!response.IsSuccessStatusCode)
        {
            var failed = new CompletionFailed
            {
                RequestId = request.RequestId,
                TenantId = request.TenantId,
                Model = request.Model,
                ErrorCode = FailureCode.ProviderUnavailable,
                ErrorMessage = $"The provider answered {(int)response.StatusCode}.",
                Retryable = true,
                Timings = timings,
            };
            await endpoint.Send(failed, send => send.SetRoutingKey(WireSchema.ResultRoutingKey(request.TenantId, ResultOutcome.Failed)), context.CancellationToken);
            return;
        }

        var completion = await response.Content.ReadFromJsonAsync<JsonObject>(context.CancellationToken);
        var usage = completion?["usage"];
        var succeeded = new CompletionSucceeded
        {
            RequestId = request.RequestId,
            TenantId = request.TenantId,
            Model = request.Model,
            Content = completion?["choices"]?[0]?["message"]?["content"]?.GetValue<string>(),
            FinishReason = completion?["choices"]?[0]?["finish_reason"]?.GetValue<string>(),
            Usage = new TokenUsage
            {
                PromptTokens = usage?["prompt_tokens"]?.GetValue<int>() ?? 0,
                CompletionTokens = usage?["completion_tokens"]?.GetValue<int>() ?? 0,
                TotalTokens = usage?["total_tokens"]?.GetValue<int>() ?? 0,
            },
            Attempts = 1,
            Priority = request.Priority,
            Lane = "plain",
            Timings = timings,
        };
        await endpoint.Send(succeeded, send => send.SetRoutingKey(WireSchema.ResultRoutingKey(request.TenantId, ResultOutcome.Succeeded)), context.CancellationToken);
    }
}
