using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Publishing;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Answers a group of requests with one provider call (or none, when an identical call in flight elsewhere answers
/// it): the answer stored in the cache, then one event per member, each completed on its own.
/// </summary>
public sealed partial class GroupExecutor(
    ProviderCaller caller,
    ResponseCache cache,
    SingleFlight flights,
    RequestCompleter completer,
    ResultEventFactory events,
    ShutdownSignal shutdown,
    TimeProvider time,
    IOptions<CacheOptions> cacheOptions,
    ILogger<GroupExecutor> logger)
{
    private int _executing;

    /// <summary>Provider calls in progress, including those whose deliveries were lost (their answers are still stored).</summary>
    public int Executing => Volatile.Read(ref _executing);

    /// <summary>One provider call for the group's leader; every member gets its own event from that answer. Never throws.</summary>
    public async Task ExecuteAsync(RequestGroup group)
    {
        Interlocked.Increment(ref _executing);
        using var span = WorkerActivities.StartProcess(
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
        var cacheable = cache.Enabled && reuse is { Kind: not ReuseKind.None };
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
                    await Task.WhenAll(group.Members.Select(member => completer.CompleteAsync(member.Request,
                        events.Reused(member.Request, shared, member.IsLeader(group) ? ResultSource.ExactCache : ResultSource.SemanticCache, member.Similarity, time.GetUtcNow() - started))));
                    return;
                }
            }

            call = await caller.CallAsync(group);
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

        await Task.WhenAll(group.Members.Select(member => completer.CompleteAsync(member.Request, ResultFor(group, member, call, answer, unexpected is not null, started))));
    }

    private ResultEnvelope ResultFor(RequestGroup group, GroupMember member, ProviderCallResult? call, CachedAnswer? answer, bool unexpected, DateTimeOffset started)
    {
        var pending = member.Request;
        var providerTime = time.GetUtcNow() - started;
        if (unexpected)
        {
            return events.Failed(pending, FailureCode.Internal, ResultEventFactory.InternalMessage, retryable: true, attempts: 0, providerTime);
        }

        if (call is null || (pending.Request.Deadline is { } deadline && deadline < time.GetUtcNow()))
        {
            return events.Failed(pending, FailureCode.Expired, "The deadline passed while the provider was answering.", retryable: false, attempts: call?.Attempts ?? 1, providerTime);
        }

        var isLeader = member.IsLeader(group);
        if (!call.Succeeded)
        {
            return events.Failed(pending, call.Failure!.Value, call.FailureMessage ?? call.Failure.ToString()!, call.Retryable, isLeader ? call.Attempts : 0, call.Elapsed);
        }

        // The answer as it was stored: built once per call, not per member.
        return isLeader
            ? events.Answered(pending, answer!, ResultSource.Provider, similarity: null, matchedRequestId: null, call.Attempts, call.Elapsed)
            : events.Answered(pending, answer!, ResultSource.Coalesced, member.Similarity, group.Leader.Request.RequestId, attempts: 0, call.Elapsed);
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

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Request {RequestId} failed unexpectedly; it is answered with Internal")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string requestId);
}
