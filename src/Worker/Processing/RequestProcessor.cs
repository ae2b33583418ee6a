using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Tokens;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Takes requests to their terminal events: checks that end a request before any provider call (invalid, expired,
/// too long), one provider call per group (or none, when an identical call in flight elsewhere answers it), the
/// answer stored in the cache, one event per member recorded by RequestId, and only then the release of each
/// member's broker delivery.
/// </summary>
public sealed partial class RequestProcessor(
    CompletionRequestValidator validator,
    TokenCounter tokens,
    ProviderRouter providers,
    IResultPublisher publisher,
    ResponseCache cache,
    SingleFlight flights,
    IdempotencyStore idempotency,
    ShutdownSignal shutdown,
    WorkerMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<ProvidersOptions> providerOptions,
    IOptions<CacheOptions> cacheOptions,
    ILogger<RequestProcessor> logger)
{
    /// <summary>A single request, start to finish (no coalescing).</summary>
    public async Task ProcessAsync(PendingRequest pending)
    {
        if (Precheck(pending) is { } failure)
        {
            await CompleteAsync(pending, failure);
            return;
        }

        await ExecuteAsync(RequestGroup.Single(pending));
    }

    /// <summary>The failure that ends this request before any provider call, or null when it may go on.</summary>
    public ResultEnvelope? Precheck(PendingRequest pending)
    {
        var request = pending.Request;
        try
        {
            if (validator.Validate(request) is { } problem)
            {
                LogInvalid(logger, request.RequestId, request.TenantId, problem);
                return Failed(pending, FailureCode.InvalidRequest, problem, retryable: false, attempts: 0, providerTime: TimeSpan.Zero);
            }

            if (request.Deadline is { } deadline && deadline <= time.GetUtcNow())
            {
                return Failed(pending, FailureCode.Expired, $"The deadline {deadline:O} passed before a provider was called.", retryable: false, attempts: 0, providerTime: TimeSpan.Zero);
            }

            var model = providerOptions.CurrentValue.Models[request.Model];
            pending.PromptTokens = tokens.CountPrompt(request);
            var reserved = request.MaxTokens ?? 1;
            if (pending.PromptTokens + reserved > model.ContextWindow)
            {
                return Failed(pending, FailureCode.ContextTooLong,
                    $"The prompt is {pending.PromptTokens} tokens; with maxTokens {reserved} it exceeds the context window of '{request.Model}' ({model.ContextWindow} tokens).",
                    retryable: false, attempts: 0, providerTime: TimeSpan.Zero);
            }

            return null;
        }
        catch (Exception ex) when (!pending.Cancellation.IsCancellationRequested)
        {
            LogUnexpected(logger, ex, request.RequestId);
            return Failed(pending, FailureCode.Internal, "The worker failed unexpectedly while processing this request.", retryable: true, attempts: 0, providerTime: TimeSpan.Zero);
        }
    }

    /// <summary>Publishes again the result a request already got (redelivery, duplicate publish): no provider call.</summary>
    public Task ReplayAsync(PendingRequest pending, ResultEnvelope stored)
    {
        metrics.IdempotentReplay();
        LogReplayed(logger, pending.Request.RequestId);
        return CompleteAsync(pending, stored, record: false);
    }

    /// <summary>Publishes a request's terminal event (recorded by RequestId first) and releases its delivery.</summary>
    public async Task CompleteAsync(PendingRequest pending, ResultEnvelope result) => await CompleteAsync(pending, result, record: true);

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
            Record(pending, result, replay: !record);
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

    /// <summary>The event of a request delivered too often (see CompletionRequestConsumer).</summary>
    public ResultEnvelope Poison(PendingRequest pending, int delivery) =>
        Failed(pending, FailureCode.PoisonMessage, $"The request was delivered {delivery} times without an answer (it crashed or stalled the worker each time); it was moved to the error queue.",
            retryable: false, attempts: 0, providerTime: TimeSpan.Zero);

    /// <summary>The event of a request over its tenant's quota: retryable once the minute is over.</summary>
    public ResultEnvelope QuotaExceeded(PendingRequest pending, string reason) =>
        Failed(pending, FailureCode.QuotaExceeded, reason, retryable: true, attempts: 0, providerTime: TimeSpan.Zero);

    /// <summary>A cache hit as the request's event: source, similarity and the RequestId whose answer it reuses.</summary>
    public ResultEnvelope FromCache(PendingRequest pending, CacheHit hit) => Succeeded(pending, hit.Answer, hit.Source, hit.Similarity, TimeSpan.Zero);

    private int _executing;

    /// <summary>Provider calls in progress, including those whose deliveries were lost (their answers are still stored).</summary>
    public int Executing => Volatile.Read(ref _executing);

    /// <summary>One provider call for the group's leader; every member gets its own event from that answer.</summary>
    public async Task ExecuteAsync(RequestGroup group)
    {
        Interlocked.Increment(ref _executing);
        using var span = Diagnostics.WorkerActivities.StartProcess(
            group.Leader.TraceContext, group.Members.Select(m => m.Request.TraceContext), group.Leader.Request.Model, group.Members.Count);
        try
        {
            await ExecuteGroupAsync(group);
        }
        finally
        {
            Interlocked.Decrement(ref _executing);
        }
    }

    private async Task ExecuteGroupAsync(RequestGroup group)
    {
        ProviderCallResult? call = null;
        Exception? unexpected = null;
        var started = time.GetUtcNow();
        var reuse = group.Leader.Reuse;
        var cacheable = cache.Enabled && reuse is { Kind: not Coalescing.ReuseKind.None };
        Flight? flight = null;
        CachedAnswer? answer = null;
        try
        {
            if (cacheable && group.Leader.Request.CachePolicy != CachePolicy.Refresh)
            {
                flight = await flights.JoinAsync(reuse!.ExactKey!, group.Leader.Request.RequestId, group.Leader.Cancellation);
                if (flight.Answer is { } shared)
                {
                    // An identical request in flight elsewhere was answered while this one waited.
                    await Task.WhenAll(group.Members.Select(member => CompleteAsync(member.Request,
                        Succeeded(member.Request, shared, member.IsLeader(group) ? ResultSource.ExactCache : ResultSource.SemanticCache, member.Similarity, time.GetUtcNow() - started))));
                    return;
                }
            }

            call = await CallProviderAsync(group);
            answer = call is { Succeeded: true } ? ToCachedAnswer(group.Leader, call) : null;
            if (cacheable && answer is not null)
            {
                await cache.StoreAsync(reuse!, group.Leader.Embedding, answer);
            }
        }
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested || group.Leader.Cancellation.IsCancellationRequested)
        {
            // Stopping, or the delivery went while waiting for another replica's flight: back to the queue.
            foreach (var member in group.Members)
            {
                member.Request.Cancel();
            }

            return;
        }
        catch (Exception ex)
        {
            LogUnexpected(logger, ex, group.Leader.Request.RequestId);
            unexpected = ex;
        }
        finally
        {
            flight?.Dispose();
        }

        await Task.WhenAll(group.Members.Select(member => CompleteAsync(member.Request, ResultFor(group, member, call, answer, unexpected is not null, started))));
    }

    private async Task<ProviderCallResult?> CallProviderAsync(RequestGroup group)
    {
        // The call may run until the latest deadline of its members (none if any member has none); a member whose
        // own deadline passes first is answered Expired when the result comes.
        var deadlines = group.Members.Select(m => m.Request.Request.Deadline).ToList();
        // Not the delivery's token: a lost channel must not waste a call whose answer the redelivery can reuse.
        using var callScope = CancellationTokenSource.CreateLinkedTokenSource(shutdown.CallsCancelled);
        if (deadlines.All(d => d is not null))
        {
            var remaining = deadlines.Max()!.Value - time.GetUtcNow();
            callScope.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        try
        {
            var call = await providers.CompleteAsync(group.Leader.Request, group.Priority, callScope.Token);
            var resilience = providerOptions.CurrentValue.Resilience;
            var waitUntil = time.GetUtcNow() + resilience.MaxCircuitWait;
            var attempts = call.Attempts;
            while (call.CircuitOpen && time.GetUtcNow() < waitUntil)
            {
                // Every endpoint of the model is broken: hold the request (and its delivery) rather than fail it,
                // and try again when a circuit half-opens. Held requests fill the lane's concurrency, so the lane
                // stops taking work from the queue until the provider is back.
                metrics.CircuitWait(group.Leader.Request.Model);
                LogCircuitWait(logger, group.Leader.Request.RequestId, group.Leader.Request.Model);
                using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(callScope.Token, shutdown.Stopping))
                {
                    await Task.Delay(resilience.CircuitBreakDuration, time, waiting.Token);
                }
                call = await providers.CompleteAsync(group.Leader.Request, group.Priority, callScope.Token);
                attempts += call.Attempts;
                call = call with { Attempts = attempts };
            }

            metrics.ProviderCalled(call.Endpoint, call.Failure?.ToString() ?? "ok", call.Elapsed);
            if (!call.Succeeded)
            {
                LogProviderFailed(logger, group.Leader.Request.RequestId, call.Failure, call.Attempts);
            }

            return call;
        }
        catch (OperationCanceledException) when (!shutdown.CallsCancelled.IsCancellationRequested && callScope.IsCancellationRequested)
        {
            return null; // every member's deadline passed during the call
        }
    }

    private ResultEnvelope ResultFor(RequestGroup group, GroupMember member, ProviderCallResult? call, CachedAnswer? answer, bool unexpected, DateTimeOffset started)
    {
        var pending = member.Request;
        var providerTime = time.GetUtcNow() - started;
        if (unexpected)
        {
            return Failed(pending, FailureCode.Internal, "The worker failed unexpectedly while processing this request.", retryable: true, attempts: 0, providerTime);
        }

        if (call is null || (pending.Request.Deadline is { } deadline && deadline < time.GetUtcNow()))
        {
            return Failed(pending, FailureCode.Expired, "The deadline passed while the provider was answering.", retryable: false, attempts: call?.Attempts ?? 1, providerTime);
        }

        var isLeader = member.IsLeader(group);
        if (!call.Succeeded)
        {
            return Failed(pending, call.Failure!.Value, call.FailureMessage ?? call.Failure.ToString()!, call.Retryable, isLeader ? call.Attempts : 0, call.Elapsed);
        }

        // The answer as it was stored: built once per call, not per member.
        return isLeader
            ? Answered(pending, answer!, ResultSource.Provider, similarity: null, matchedRequestId: null, call.Attempts, call.Elapsed)
            : Answered(pending, answer!, ResultSource.Coalesced, member.Similarity, group.Leader.Request.RequestId, attempts: 0, call.Elapsed);
    }

    /// <summary>An answer from the cache or another request's flight: the request whose call produced it is the match.</summary>
    private ResultEnvelope Succeeded(PendingRequest pending, CachedAnswer answer, ResultSource source, double similarity, TimeSpan waited) =>
        Answered(pending, answer, source, similarity, answer.RequestId, attempts: 0, waited);

    private ResultEnvelope Answered(PendingRequest pending, CachedAnswer answer, ResultSource source, double? similarity, string? matchedRequestId, int attempts, TimeSpan providerTime)
    {
        var request = pending.Request;
        return ResultEnvelope.Of(new CompletionSucceeded
        {
            RequestId = request.RequestId,
            TenantId = request.TenantId,
            Model = request.Model,
            Content = answer.Content,
            ToolCalls = answer.ToolCalls,
            FinishReason = answer.FinishReason,
            Usage = answer.Usage,
            Source = source,
            Similarity = similarity is { } value ? Math.Round(value, 4) : null,
            MatchedRequestId = matchedRequestId,
            Provider = answer.Provider,
            Attempts = attempts,
            Priority = pending.Priority,
            Lane = pending.Lane,
            Timings = Timings(pending, providerTime),
            Metadata = request.Metadata,
        });
    }

    private CachedAnswer ToCachedAnswer(PendingRequest leader, ProviderCallResult call)
    {
        var now = time.GetUtcNow();
        var tags = leader.Request.Metadata?.GetValueOrDefault(cacheOptions.Value.TagsMetadataKey) is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        return new CachedAnswer
        {
            RequestId = leader.Request.RequestId,
            Content = call.Content,
            ToolCalls = call.ToolCalls,
            FinishReason = call.FinishReason,
            Usage = call.Usage,
            Provider = call.Endpoint,
            StoredAt = now,
            NotAfter = now + cacheOptions.Value.MaxLifetime,
            Tags = tags,
        };
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

    private void Record(PendingRequest pending, ResultEnvelope result, bool replay)
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

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Request {RequestId} of tenant {TenantId} is invalid: {Problem}")]
    private static partial void LogInvalid(ILogger logger, string requestId, string tenantId, string problem);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Request {RequestId} failed at the provider with {Failure} after {Attempts} attempts")]
    private static partial void LogProviderFailed(ILogger logger, string requestId, FailureCode? failure, int attempts);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Request {RequestId} could not be answered; its delivery goes back to the broker")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Request {RequestId} waits: every endpoint of model {Model} has an open circuit")]
    private static partial void LogCircuitWait(ILogger logger, string requestId, string model);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Request {RequestId} was already answered; its stored result is published again")]
    private static partial void LogReplayed(ILogger logger, string requestId);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Request {RequestId} failed unexpectedly; it is answered with Internal")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string requestId);
}
