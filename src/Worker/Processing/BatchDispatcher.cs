using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Handles a closed micro-batch, cheapest answer first: what <see cref="BatchScreening"/> ends (results already
/// published, failed checks, tenants over quota), exact cache hits, then one embedding call for what is left, semantic
/// cache hits, and finally coalesced groups dispatched most urgent first. Each group, and each member's event,
/// finishes on its own, so a slow provider call never holds its neighbours' acknowledgements.
/// </summary>
public sealed partial class BatchDispatcher(
    BatchScreening screening,
    ReuseClassifier classifier,
    ResponseCache cache,
    BatchEmbedding embedding,
    CoalescingPlanner planner,
    RequestCompleter completer,
    ResultEventFactory events,
    GroupExecutor executor,
    ILogger<BatchDispatcher> logger) : IBatchHandler
{
    public async Task HandleAsync(IReadOnlyList<PendingRequest> batch, CancellationToken stoppingToken)
    {
        var live = await screening.ScreenAsync(batch);
        foreach (var request in live)
        {
            request.Reuse = classifier.Classify(request);
        }

        if (cache.Enabled)
        {
            live = await AnswerFromCacheAsync(live, ReuseKind.Exact);
        }

        // Embedding is CPU-bound, blocking work that would starve the thread pool MassTransit and the broker client
        // run on (2 threads on a 2-core machine), so it gets a thread of its own.
        var toEmbed = embedding.Needed(live, semanticCache: cache.Enabled);
        if (toEmbed.Count > 0)
        {
            await Task.Factory.StartNew(() => EmbedSafely(toEmbed, stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        if (cache.Enabled)
        {
            live = await AnswerFromCacheAsync(live, ReuseKind.Semantic);
        }

        foreach (var group in Plan(live).OrderByDescending(g => g.Priority).ThenBy(g => g.FirstReceivedAt))
        {
            _ = executor.ExecuteAsync(group); // completes every member; never throws
        }
    }

    /// <summary>Answers the requests the cache holds (exact key, or a similar prompt) and returns the rest.</summary>
    private async Task<List<PendingRequest>> AnswerFromCacheAsync(List<PendingRequest> live, ReuseKind step)
    {
        var lookups = live.Select(async request =>
        {
            var reuse = request.Reuse!;
            if (reuse.Kind == ReuseKind.None || request.Request.CachePolicy == CachePolicy.Refresh)
            {
                return (request, hit: (CacheHit?)null);
            }

            if (step == ReuseKind.Exact)
            {
                return (request, hit: await cache.GetAsync(reuse.ExactKey!) is { } answer ? new CacheHit(answer, ResultSource.ExactCache, 1.0) : null);
            }

            return (request, hit: reuse.Kind == ReuseKind.Semantic && request.Embedding is { } vector ? await cache.FindSimilarAsync(reuse, vector) : null);
        });
        var rest = new List<PendingRequest>(live.Count);
        foreach (var (request, hit) in await Task.WhenAll(lookups))
        {
            if (hit is null)
            {
                rest.Add(request);
            }
            else
            {
                _ = completer.CompleteAsync(request, events.FromCache(request, hit));
            }
        }

        return rest;
    }

    private void EmbedSafely(IReadOnlyList<PendingRequest> requests, CancellationToken stoppingToken)
    {
        try
        {
            embedding.Embed(requests, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Semantic reuse saves money; it must never cost an answer. Unembedded requests match exactly only.
            LogEmbeddingFailed(logger, ex, requests.Count);
        }
    }

    private IReadOnlyList<RequestGroup> Plan(List<PendingRequest> live)
    {
        try
        {
            return live.Count == 0 ? [] : planner.Plan(live);
        }
        catch (Exception ex)
        {
            // Coalescing saves money; it must never cost an answer. Without a plan every request calls on its own.
            LogPlanningFailed(logger, ex, live.Count);
            return [.. live.Select(RequestGroup.Single)];
        }
    }

    [LoggerMessage(EventId = 1110, Level = LogLevel.Error, Message = "Coalescing failed for a batch of {Count}; each request is sent on its own")]
    private static partial void LogPlanningFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Error, Message = "Embedding failed for {Count} requests; they are matched exactly only")]
    private static partial void LogEmbeddingFailed(ILogger logger, Exception exception, int count);
}
