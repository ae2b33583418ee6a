using System.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Tokens;

namespace PromptQueue.Worker.Embeddings;

/// <summary>
/// Loads the models (the embedder, and the pair verifier when it is on) and runs each once before the worker takes messages, so the first batch does not pay for ONNX
/// Runtime's session start; the worker reports ready only after that. The prompt tokenizers (tiktoken vocabularies,
/// ~27 MB once loaded) load here too, so their loading garbage goes with the collection below.
/// </summary>
public sealed class EmbeddingWarmup(ITextEmbedder embedder, SemanticMatcher matcher, TokenCounter tokens) : IHostedService, IHealthCheck
{
    private volatile bool _warm;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        embedder.Embed(["warm up the embedding model", "and its tokenizer"], cancellationToken);
        if (matcher.Verifier is { } verifier)
        {
            await verifier.ScoreAsync([new TextPair("warm up the pair verifier", "and its session")], cancellationToken);
        }

        tokens.LoadConfiguredEncodings();
        // Loading the model leaves its bytes (~90 MB, large-object heap) as garbage, and the tokenizers their parsing's;
        // collect and give the memory
        // back to the OS once, before the worker takes messages, instead of carrying it for the process's life.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _warm = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_warm ? HealthCheckResult.Healthy("Embedding model loaded.") : HealthCheckResult.Unhealthy("Embedding model not loaded yet."));
}
