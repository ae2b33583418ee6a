using Microsoft.Extensions.Options;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Embeddings;

public static class EmbeddingsExtensions
{
    /// <summary>
    /// The local models (embedder and pair verifier, on shared runner threads), the matcher and its guards, and the
    /// coalescing planner.
    /// </summary>
    public static IHostApplicationBuilder AddSemanticMatching(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<EmbeddingOptions, EmbeddingOptionsValidator>(EmbeddingOptions.SectionName);
        builder.AddValidatedOptions<MatchOptions, MatchOptionsValidator, MatchOptionsCustomValidator>(MatchOptions.SectionName);
        builder.AddValidatedOptions<ReuseOptions, ReuseOptionsValidator>(ReuseOptions.SectionName);

        builder.Services.AddModelsAndMatcher();
        builder.Services.AddSingleton<ITextEmbedder>(sp => sp.GetRequiredService<MiniLmEmbedder>());
        builder.Services.AddSingleton<EmbeddingWarmup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddingWarmup>());
        builder.Services.AddHealthChecks().AddCheck<EmbeddingWarmup>("embeddings", tags: ["ready"]);
        builder.Services.AddSingleton<ReuseClassifier>();
        builder.Services.AddSingleton<BatchEmbedding>();
        builder.Services.AddSingleton<CoalescingPlanner>();
        return builder;
    }

    /// <summary>
    /// The runner threads, the embedder, the pair verifier (built only when Matching:UseVerifier is on) and the
    /// matcher. Needs the Embeddings and Matching options and <see cref="WorkerMetrics"/>.
    /// </summary>
    public static IServiceCollection AddModelsAndMatcher(this IServiceCollection services)
    {
        services.AddSingleton<ModelRunners>();
        services.AddSingleton<MiniLmEmbedder>();
        services.AddSingleton<PairVerifier>();
        services.AddSingleton(sp => new SemanticMatcher(
            sp.GetRequiredService<IOptionsMonitor<MatchOptions>>(),
            sp.GetRequiredService<IOptions<MatchOptions>>().Value.UseVerifier ? sp.GetRequiredService<PairVerifier>() : null,
            sp.GetRequiredService<WorkerMetrics>(),
            sp.GetRequiredService<ILogger<SemanticMatcher>>()));
        return services;
    }
}
