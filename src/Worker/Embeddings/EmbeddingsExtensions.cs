using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Embeddings;

public static class EmbeddingsExtensions
{
    /// <summary>The local embedding model, the matcher and its guards, and the coalescing planner.</summary>
    public static IHostApplicationBuilder AddSemanticMatching(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<EmbeddingOptions, EmbeddingOptionsValidator>(EmbeddingOptions.SectionName);
        builder.AddValidatedOptions<MatchOptions, MatchOptionsValidator>(MatchOptions.SectionName);
        builder.AddValidatedOptions<ReuseOptions, ReuseOptionsValidator>(ReuseOptions.SectionName);
        builder.Services.AddSingleton<MiniLmEmbedder>();
        builder.Services.AddSingleton<ITextEmbedder>(sp => sp.GetRequiredService<MiniLmEmbedder>());
        builder.Services.AddSingleton<EmbeddingWarmup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddingWarmup>());
        builder.Services.AddHealthChecks().AddCheck<EmbeddingWarmup>("embeddings", tags: ["ready"]);
        builder.Services.AddSingleton<SemanticMatcher>();
        builder.Services.AddSingleton<ReuseClassifier>();
        builder.Services.AddSingleton<BatchEmbedding>();
        builder.Services.AddSingleton<CoalescingPlanner>();
        return builder;
    }
}
