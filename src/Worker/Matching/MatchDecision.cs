namespace PromptQueue.Worker.Matching;

/// <summary>Whether two prompts are the same question, their similarity, and which check said no.</summary>
public readonly record struct MatchDecision(bool IsMatch, double Similarity, string? RejectedBy)
{
    public static MatchDecision Match(double similarity) => new(true, similarity, null);

    public static MatchDecision Reject(double similarity, string guard) => new(false, similarity, guard);
}
