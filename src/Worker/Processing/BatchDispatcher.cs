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
            live = await AnswerFromExactCacheAsync(live);
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
            live = await AnswerFromSemanticCacheAsync(live, stoppingToken);
        }

        foreach (var group in (await PlanAsync(live, stoppingToken)).OrderByDescending(g => g.Priority).ThenBy(g => g.FirstReceivedAt))
        {
            _ = executor.ExecuteAsync(group); // completes every member; never throws
        }
    }

    /// <summary>Answers the requests the cache holds under their exact key and returns the rest.</summary>
    private async Task<List<PendingRequest>> AnswerFromExactCacheAsync(List<PendingRequest> live)
    {
        var lookups = live.Select(async request =>
        {
            var reuse = request.Reuse!;
            return Reusable(request)
                ? (request, hit: await cache.GetAsync(reuse.ExactKey!) is { } answer ? new CacheHit(answer, ResultSource.ExactCache, 1.0) : null)
                : (request, hit: (CacheHit?)null);
        });
        return Complete(await Task.WhenAll(lookups));
    }

    /// <summary>
    /// Answers the embedded requests a similar cached prompt answers (one batched lookup, so the pair verifier runs
    /// once for the batch) and returns the rest.
    /// </summary>
    private async Task<List<PendingRequest>> AnswerFromSemanticCacheAsync(List<PendingRequest> live, CancellationToken stoppingToken)
    {
        var semantic = live.Where(r => Reusable(r) && r.Reuse!.Kind == ReuseKind.Semantic && r.Embedding is not null).ToList();
        if (semantic.Count == 0)
        {
            return live;
        }

        var hits = await cache.FindSimilarAsync([.. semantic.Select(r => new SimilarLookup(r.Reuse!, r.Embedding!))], stoppingToken);
        var byRequest = semantic.Select((r, i) => (r, hit: hits[i])).Where(x => x.hit is not null).ToDictionary(x => x.r, x => x.hit);
        return Complete([.. live.Select(r => (r, byRequest.GetValueOrDefault(r)))]);
    }

    private static bool Reusable(PendingRequest request) =>
        request.Reuse!.Kind != ReuseKind.None && request.Request.CachePolicy != CachePolicy.Refresh;

    /// <summary>Completes each request that has a hit from the cache and returns the others.</summary>
    private List<PendingRequest> Complete(IReadOnlyList<(PendingRequest Request, CacheHit? Hit)> looked)
    {
        var rest = new List<PendingRequest>(looked.Count);
        foreach (var (request, hit) in looked)
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

    private async Task<IReadOnlyList<RequestGroup>> PlanAsync(List<PendingRequest> live, CancellationToken stoppingToken)
    {
        try
        {
            return live.Count == 0 ? [] : await planner.PlanAsync(live, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
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
