using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Tokens;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Processing;

/// <summary>The checks that end a request before any provider call: invalid, expired, or too long for the model.</summary>
public sealed partial class RequestPrechecks(
    CompletionRequestValidator validator,
    TokenCounter tokens,
    ResultEventFactory events,
    TimeProvider time,
    IOptionsMonitor<ProvidersOptions> providerOptions,
    ILogger<RequestPrechecks> logger)
{
    /// <summary>The failure that ends this request before any provider call, or null when it may go on.</summary>
    /// <remarks>Counts the prompt's tokens into <see cref="PendingRequest.PromptTokens"/> on the way.</remarks>
    public ResultEnvelope? Check(PendingRequest pending)
    {
        var request = pending.Request;
        try
        {
            if (validator.Validate(request) is { } problem)
            {
                LogInvalid(logger, request.RequestId, request.TenantId, problem);
                return events.Refused(pending, FailureCode.InvalidRequest, problem);
            }

            if (request.Deadline is { } deadline && deadline <= time.GetUtcNow())
            {
                return events.Refused(pending, FailureCode.Expired, $"The deadline {deadline:O} passed before a provider was called.");
            }

            var model = providerOptions.CurrentValue.Models[request.Model];
            pending.PromptTokens = tokens.CountPrompt(request);
            var reserved = request.MaxTokens ?? 1;
            if (pending.PromptTokens + reserved > model.ContextWindow)
            {
                return events.Refused(pending, FailureCode.ContextTooLong,
                    $"The prompt is {pending.PromptTokens} tokens; with maxTokens {reserved} it exceeds the context window of '{request.Model}' ({model.ContextWindow} tokens).");
            }

            return null;
        }
        catch (Exception ex) when (!pending.Cancellation.IsCancellationRequested)
        {
            LogUnexpected(logger, ex, request.RequestId);
            return events.Refused(pending, FailureCode.Internal, ResultEventFactory.InternalMessage, retryable: true);
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Request {RequestId} of tenant {TenantId} is invalid: {Problem}")]
    private static partial void LogInvalid(ILogger logger, string requestId, string tenantId, string problem);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "Request {RequestId} failed unexpectedly in its checks; it is answered with Internal")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string requestId);
}
