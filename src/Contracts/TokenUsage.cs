namespace PromptQueue.Contracts;

public sealed record TokenUsage
{
    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    public int TotalTokens { get; init; }
}
