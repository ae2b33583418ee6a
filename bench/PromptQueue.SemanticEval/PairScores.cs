using PromptQueue.Datasets;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.SemanticEval;

/// <summary>
/// Everything the matcher looks at for one pair, computed once so thresholds and guard sets can be swept cheaply:
/// the cosine, which guards tell the texts apart, and the verifier's probability (for candidates at or above the
/// floor only, as in the worker).
/// </summary>
public sealed record PairScores(bool Duplicate, double Cosine, bool NumbersDiffer, bool PolarityDiffers, bool EntitiesDiffer, double? Probability)
{
    public static PairScores Of(LabelledPair pair, Embedding a, Embedding b, VerifierScores? verifier, double floor)
    {
        var cosine = Embedding.Cosine(a, b);
        return new(
            pair.Duplicate, cosine, !LexicalGuards.SameNumbers(pair.A, pair.B), !LexicalGuards.SamePolarity(pair.A, pair.B), !LexicalGuards.SameEntities(pair.A, pair.B),
            verifier is not null && cosine >= floor ? verifier.Probability(pair.A, pair.B) : null);
    }

    /// <summary>Whether a guard of <paramref name="guards"/> vetoes the pair (the guards the settings turn on).</summary>
    public bool Vetoed(MatchOptions guards) =>
        (guards.GuardNumbers && NumbersDiffer) || (guards.GuardPolarity && PolarityDiffers) || (guards.GuardEntities && EntitiesDiffer);

    /// <summary>The cosine-threshold matcher (verifier off).</summary>
    public bool Matches(double threshold, bool guarded) => Cosine >= threshold && (!guarded || !(NumbersDiffer || PolarityDiffers || EntitiesDiffer));

    /// <summary>The worker's matcher with the verifier: floor, the guards <paramref name="guards"/> turns on, the verifier's threshold.</summary>
    public bool MatchesVerified(MatchOptions guards, double threshold) =>
        Cosine >= guards.CandidateFloor && !Vetoed(guards) && Probability is { } p && p >= threshold;
}
