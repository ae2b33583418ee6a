using PromptQueue.Datasets;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.SemanticEval;

/// <summary>Everything the matcher looks at for one pair, computed once so thresholds can be swept cheaply.</summary>
public sealed record PairScores(bool Duplicate, double Cosine, string? Guard)
{
    public static PairScores Of(LabelledPair pair, Embedding a, Embedding b, MatchOptions guards) =>
        new(pair.Duplicate, Embedding.Cosine(a, b), SemanticMatcher.Guard(pair.A, pair.B, guards));

    public bool Matches(double threshold, bool guarded) => Cosine >= threshold && (!guarded || Guard is null);
}
