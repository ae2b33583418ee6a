namespace PromptQueue.Worker.Matching;

/// <summary>
/// Whether two prompts are the same question, their cosine similarity, the verifier's probability (null when it was
/// not asked), and which check said no ("similarity", a guard's name, or "verifier").
/// </summary>
public readonly record struct MatchDecision(bool IsMatch, double Similarity, string? RejectedBy, double? Probability = null)
{
    public static MatchDecision Match(double similarity, double? probability = null) => new(true, similarity, null, probability);

    public static MatchDecision Reject(double similarity, string check, double? probability = null) => new(false, similarity, check, probability);
}
