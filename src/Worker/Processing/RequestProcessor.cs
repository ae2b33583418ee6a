using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Takes one request of a micro-batch to its terminal event: validate, check the deadline, call the provider,
/// publish, and only then release the broker delivery.
/// </summary>
public sealed partial class RequestProcessor(
    CompletionRequestValidator validator,
    ProviderRouter providers,
    IResultPublisher publisher,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<RequestProcessor> logger)
{
    public async Task ProcessAsync(PendingRequest pending)
    {
        try
        {
            ResultEnvelope result;
            try
            {
                result = await ProduceResultAsync(pending);
            }
            catch (Exception ex) when (!pending.Cancellation.IsCancellationRequested)
            {
                // A defect must still end in the request's one terminal event, not in a stuck or dead-lettered delivery.
                LogUnexpected(logger, ex, pending.Request.RequestId);
                result = Failed(pending, FailureCode.Internal, "The worker failed unexpectedly while processing this request.", retryable: true, attempts: 0, providerTime: TimeSpan.Zero);
            }

            await publisher.PublishAsync(pending.Request, result, pending.Cancellation);
            Record(pending, result);
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

    private async Task<ResultEnvelope> ProduceResultAsync(PendingRequest pending)
    {
        var request = pending.Request;
        if (validator.Validate(request) is { } problem)
        {
            LogInvalid(logger, request.RequestId, request.TenantId, problem);
            return Failed(pending, FailureCode.InvalidRequest, problem, retryable: false, attempts: 0, providerTime: TimeSpan.Zero);
        }

        var now = time.GetUtcNow();
        if (request.Deadline is { } deadline && deadline <= now)
        {
            return Failed(pending, FailureCode.Expired, $"The deadline {deadline:O} passed before a provider was called.", retryable: false, attempts: 0, providerTime: TimeSpan.Zero);
        }

        using var callScope = CancellationTokenSource.CreateLinkedTokenSource(pending.Cancellation);
        if (request.Deadline is { } until)
        {
            callScope.CancelAfter(until - now);
        }

        ProviderCallResult call;
        try
        {
            call = await providers.CompleteAsync(request, callScope.Token);
        }
        catch (OperationCanceledException) when (!pending.Cancellation.IsCancellationRequested && callScope.IsCancellationRequested)
        {
            return Failed(pending, FailureCode.Expired, "The deadline passed while the provider was answering.", retryable: false, attempts: 1, providerTime: time.GetUtcNow() - now);
        }

        metrics.ProviderCalled(call.Endpoint, call.Failure?.ToString() ?? "ok", call.Elapsed);
        if (!call.Succeeded)
        {
            LogProviderFailed(logger, request.RequestId, call.Failure, call.Attempts);
            return Failed(pending, call.Failure!.Value, call.FailureMessage ?? call.Failure.ToString()!, call.Retryable, call.Attempts, call.Elapsed);
        }

        return ResultEnvelope.Of(new CompletionSucceeded
        {
            RequestId = request.RequestId,
            TenantId = request.TenantId,
            Model = request.Model,
            Content = call.Content,
            ToolCalls = call.ToolCalls,
            FinishReason = call.FinishReason,
            Usage = call.Usage,
            Source = ResultSource.Provider,
            Provider = call.Endpoint,
            Attempts = call.Attempts,
            Priority = pending.Priority,
            Lane = pending.Lane,
            Timings = Timings(pending, call.Elapsed),
            Metadata = request.Metadata,
        });
    }

    private ResultEnvelope Failed(PendingRequest pending, FailureCode code, string message, bool retryable, int attempts, TimeSpan providerTime) =>
        ResultEnvelope.Of(new CompletionFailed
        {
            RequestId = pending.Request.RequestId ?? "",
            TenantId = pending.Request.TenantId ?? "",
            Model = pending.Request.Model ?? "",
            ErrorCode = code,
            ErrorMessage = message,
            Retryable = retryable,
            Attempts = attempts,
            Priority = pending.Priority,
            Lane = pending.Lane,
            Timings = Timings(pending, providerTime),
            Metadata = pending.Request.Metadata,
        });

    private ResultTimings Timings(PendingRequest pending, TimeSpan providerTime)
    {
        var completed = time.GetUtcNow();
        var created = pending.Request.CreatedAt;
        return new ResultTimings
        {
            CreatedAt = created,
            ReceivedAt = pending.ReceivedAt,
            CompletedAt = completed,
            QueueWaitMs = created is { } c ? Math.Max(0, (pending.ReceivedAt - c).TotalMilliseconds) : null,
            BatchWaitMs = ((pending.BatchedAt ?? pending.ReceivedAt) - pending.ReceivedAt).TotalMilliseconds,
            ProviderMs = providerTime.TotalMilliseconds,
            WorkerMs = (completed - pending.ReceivedAt).TotalMilliseconds,
        };
    }

    private void Record(PendingRequest pending, ResultEnvelope result)
    {
        var detail = result.Succeeded?.Source.ToString() ?? result.Failed!.ErrorCode.ToString();
        var timings = result.Succeeded?.Timings ?? result.Failed!.Timings;
        TimeSpan? queueWait = timings.QueueWaitMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        metrics.ResultPublished(pending.Lane, result.Outcome, detail, time.GetUtcNow() - pending.ReceivedAt, queueWait);
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Request {RequestId} of tenant {TenantId} is invalid: {Problem}")]
    private static partial void LogInvalid(ILogger logger, string requestId, string tenantId, string problem);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Request {RequestId} failed at the provider with {Failure} after {Attempts} attempts")]
    private static partial void LogProviderFailed(ILogger logger, string requestId, FailureCode? failure, int attempts);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Request {RequestId} failed unexpectedly; it is answered with Internal")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Request {RequestId} could not be answered; its delivery goes back to the broker")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string requestId);
}
