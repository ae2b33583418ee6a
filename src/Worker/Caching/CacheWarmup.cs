using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// Loads known answers from <see cref="CacheOptions.WarmFile"/> before the worker reports ready. One JSON object
/// per line: <c>{"request": {CompletionRequest}, "answer": "text", "tags": ["optional"]}</c>. Each entry is stored
/// as if a provider had answered that request (same scope rules: tenant, model, parameters, conversation).
/// </summary>
public sealed partial class CacheWarmup(
    IOptions<CacheOptions> options,
    ReuseClassifier classifier,
    ITextEmbedder embedder,
    ResponseCache cache,
    TimeProvider time,
    ILogger<CacheWarmup> logger) : IHostedService, IHealthCheck
{
    private volatile bool _done;

    public int Loaded { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled || string.IsNullOrWhiteSpace(options.Value.WarmFile))
        {
            _done = true;
            return;
        }

        var lineNumber = 0;
        var pending = new List<(PendingRequest Request, WarmLine Line)>();
        foreach (var line in await File.ReadAllLinesAsync(options.Value.WarmFile, cancellationToken))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            WarmLine? entry;
            try
            {
                entry = JsonSerializer.Deserialize<WarmLine>(line, WireJson.Options);
            }
            catch (JsonException ex)
            {
                LogBadLine(logger, lineNumber, ex.Message);
                continue;
            }

            if (entry?.Request is not { Messages.Count: > 0 } request || entry.Answer is null)
            {
                LogBadLine(logger, lineNumber, "a line needs a request with messages and an answer");
                continue;
            }

            var item = new PendingRequest(request, lane: "", request.Priority, time.GetUtcNow(), CancellationToken.None);
            item.Reuse = classifier.Classify(item);
            if (item.Reuse.Kind == ReuseKind.None)
            {
                LogBadLine(logger, lineNumber, "the request is not cacheable (bypass or hot sampling)");
                continue;
            }

            pending.Add((item, entry));
        }

        foreach (var chunk in pending.Chunk(64))
        {
            var semantic = chunk.Where(p => p.Request.Reuse!.Kind == ReuseKind.Semantic).ToList();
            var embeddings = semantic.Count == 0 ? [] : embedder.Embed([.. semantic.Select(p => p.Request.Reuse!.Text!)], cancellationToken);
            for (var i = 0; i < semantic.Count; i++)
            {
                semantic[i].Request.Embedding = embeddings[i];
            }

            foreach (var (request, line) in chunk)
            {
                var now = time.GetUtcNow();
                await cache.StoreAsync(request.Reuse!, request.Embedding, new CachedAnswer
                {
                    RequestId = string.IsNullOrEmpty(request.Request.RequestId) ? $"warm-{Loaded}" : request.Request.RequestId,
                    Content = line.Answer,
                    FinishReason = "stop",
                    Usage = new TokenUsage(),
                    Provider = "warm",
                    StoredAt = now,
                    NotAfter = now + options.Value.MaxLifetime,
                    Tags = line.Tags ?? [],
                });
                Loaded++;
            }
        }

        LogWarmed(logger, Loaded, options.Value.WarmFile);
        _done = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done ? HealthCheckResult.Healthy($"{Loaded} answers warmed.") : HealthCheckResult.Unhealthy("Cache warming in progress."));

    [LoggerMessage(EventId = 1640, Level = LogLevel.Warning, Message = "Cache warm file line {Line} skipped: {Reason}")]
    private static partial void LogBadLine(ILogger logger, int line, string reason);

    [LoggerMessage(EventId = 1641, Level = LogLevel.Information, Message = "Warmed the cache with {Count} answers from {File}")]
    private static partial void LogWarmed(ILogger logger, int count, string? file);

    private sealed record WarmLine(CompletionRequest? Request, string? Answer, IReadOnlyList<string>? Tags);
}
