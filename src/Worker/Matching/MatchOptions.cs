using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Matching;

/// <summary>When two prompts count as the same question. Section "Matching". Defaults chosen in docs/semantic-matching.md.</summary>
public sealed class MatchOptions
{
    public const string SectionName = "Matching";

    /// <summary>Cosine similarity of the sentence embeddings at or above which two prompts may be the same question.</summary>
    [Range(0.5, 1.0)]
    public double SimilarityThreshold { get; set; } = 0.94;

    /// <summary>Reject a match when the prompts mention different numbers ("3 replicas" vs "5 replicas", "Q3" vs "Q4").</summary>
    public bool GuardNumbers { get; set; } = true;

    /// <summary>Reject a match when one prompt is negated or uses the opposite word (higher/lower, add/remove) and the other does not.</summary>
    public bool GuardPolarity { get; set; } = true;

    /// <summary>Reject a match when the prompts name different entities (capitalised names, acronyms: "EU" vs "US", "iOS" vs "Android").</summary>
    public bool GuardEntities { get; set; } = true;
}
