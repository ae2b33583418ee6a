using Microsoft.Extensions.Options;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Publishing;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Ends a request: records its terminal event by RequestId, publishes it, counts it, and only then releases the
/// request's broker delivery. Never throws: a failed publish fails the delivery (it goes back to the broker).
/// </summary>
public sealed partial class RequestCompleter(
    IdempotencyStore idempotency,
    IResultPublisher publisher,
    WorkerMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<ProvidersOptions> providerOptions,
    ILogger<RequestCompleter> logger)
{
    /// <summary>Publishes a request's terminal event (recorded by RequestId first) and releases its delivery.</summary>
    public Task CompleteAsync(PendingRequest pending, ResultEnvelope result) => CompleteAsync(pending, result, record: true);

    /// <summary>Publishes again the result a request already got (redelivery, duplicate publish): no provider call.</summary>
    public Task ReplayAsync(PendingRequest pending, ResultEnvelope stored)
    {
        metrics.IdempotentReplay();
        LogReplayed(logger, pending.Request.RequestId);
        return CompleteAsync(pending, stored, record: false);
    }

    private async Task CompleteAsync(PendingRequest pending, ResultEnvelope result, bool record)
    {
        try
        {
            if (record)
            {
                // Before publishing: a crash between the two republishes this record instead of answering twice.
                await idempotency.RecordAsync(pending.Request, result);
            }

            await publisher.PublishAsync(pending.Request, result, pending.Cancellation);
            Count(pending, result, replay: !record);
            pending.Complete();
        }
        catch (OperationCanceledException) when (pending.Cancellation.IsCancellationRequested)
        {
            pending.Cancel();
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, ex, pending.Request.RequestId);
            pending.Fail(ex);
        }
    }

    private void Count(PendingRequest pending, ResultEnvelope result, bool replay)
    {
        var detail = result.Succeeded?.Source.ToString() ?? result.Failed!.ErrorCode.ToString();
        var timings = result.Succeeded?.Timings ?? result.Failed!.Timings;
        TimeSpan? queueWait = timings.QueueWaitMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        var models = providerOptions.CurrentValue.Models;
        var model = models.TryGetValue(pending.Request.Model, out var modelOptions) ? pending.Request.Model : "other";
        var source = result.Succeeded?.Source.ToString() ?? "none";
        metrics.ResultPublished(pending.Lane, model, result.Outcome, source, detail, time.GetUtcNow() - pending.ReceivedAt, queueWait);
        if (!replay && result.Succeeded is { Usage: var usage } && modelOptions is not null)
        {
            metrics.Answered(model, source, usage.PromptTokens, usage.CompletionTokens, modelOptions.Cost(usage.PromptTokens, usage.CompletionTokens));
        }
    }

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Request {RequestId} could not be answered; its delivery goes back to the broker")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Request {RequestId} was already answered; its stored result is published again")]
    private static partial void LogReplayed(ILogger logger, string requestId);
}
