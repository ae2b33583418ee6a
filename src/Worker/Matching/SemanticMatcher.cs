using Microsoft.Extensions.Options;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Matching;

/// <summary>
/// Decides whether two prompts ask the same thing: sentence cosine at or above the threshold, then guards that
/// catch what cosine blurs (numbers, polarity, named entities).
/// </summary>
public sealed class SemanticMatcher(IOptionsMonitor<MatchOptions> options)
{
    public double Threshold => options.CurrentValue.SimilarityThreshold;

    public MatchDecision Decide(string textA, Embedding a, string textB, Embedding b) => Decide(textA, a, textB, b, options.CurrentValue);

    public static MatchDecision Decide(string textA, Embedding a, string textB, Embedding b, MatchOptions settings)
    {
        var similarity = Embedding.Cosine(a, b);
        if (similarity < settings.SimilarityThreshold)
        {
            return MatchDecision.Reject(similarity, "similarity");
        }

        return Guard(textA, textB, settings) is { } guard ? MatchDecision.Reject(similarity, guard) : MatchDecision.Match(similarity);
    }

    /// <summary>The first guard that tells the two texts apart, or null.</summary>
    public static string? Guard(string textA, string textB, MatchOptions settings)
    {
        if (settings.GuardNumbers && !LexicalGuards.SameNumbers(textA, textB))
        {
            return "numbers";
        }

        if (settings.GuardPolarity && !LexicalGuards.SamePolarity(textA, textB))
        {
            return "polarity";
        }

        if (settings.GuardEntities && !LexicalGuards.SameEntities(textA, textB))
        {
            return "entities";
        }

        return null;
    }
}
