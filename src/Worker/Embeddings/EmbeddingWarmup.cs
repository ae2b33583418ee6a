using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PromptQueue.Worker.Embeddings;

/// <summary>
/// Loads the model and runs it once before the worker takes messages, so the first batch does not pay for ONNX
/// Runtime's session start; the worker reports ready only after that.
/// </summary>
public sealed class EmbeddingWarmup(ITextEmbedder embedder) : IHostedService, IHealthCheck
{
    private volatile bool _warm;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        embedder.Embed(["warm up the embedding model", "and its tokenizer"], cancellationToken);
        _warm = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_warm ? HealthCheckResult.Healthy("Embedding model loaded.") : HealthCheckResult.Unhealthy("Embedding model not loaded yet."));
}
