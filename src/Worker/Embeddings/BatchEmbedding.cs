using System.Diagnostics;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;

namespace PromptQueue.Worker.Embeddings;

/// <summary>One model call per micro-batch for every last user turn a semantic step will compare.</summary>
public sealed class BatchEmbedding(ITextEmbedder embedder, WorkerMetrics metrics)
{
    /// <summary>
    /// The requests to embed: every semantic candidate when the semantic cache will look them up (and store them);
    /// otherwise only those whose scope holds another candidate in the batch (nothing to compare them with else).
    /// </summary>
    public IReadOnlyList<PendingRequest> Needed(IReadOnlyList<PendingRequest> requests, bool semanticCache)
    {
        var candidates = requests.Where(r => r.Reuse is { Kind: ReuseKind.Semantic } && r.Embedding is null && r.Request.CachePolicy == Contracts.CachePolicy.Default);
        return semanticCache
            ? [.. candidates]
            : [.. candidates.GroupBy(r => r.Reuse!.Scope!, StringComparer.Ordinal).Where(s => s.Count() >= 2).SelectMany(s => s)];
    }

    /// <summary>Each distinct text once: identical prompts in a batch share one vector.</summary>
    public void Embed(IReadOnlyList<PendingRequest> requests, CancellationToken cancellationToken)
    {
        var texts = requests.Select(r => r.Reuse!.Text!).Distinct(StringComparer.Ordinal).ToList();
        var started = Stopwatch.GetTimestamp();
        var embeddings = embedder.Embed(texts, cancellationToken);
        metrics.Embedded(texts.Count, Stopwatch.GetElapsedTime(started));
        var byText = texts.Select((text, i) => (text, i)).ToDictionary(t => t.text, t => embeddings[t.i], StringComparer.Ordinal);
        foreach (var request in requests)
        {
            request.Embedding = byText[request.Reuse!.Text!];
        }
    }
}
