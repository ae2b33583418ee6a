namespace PromptQueue.Contracts;

/// <summary>Values of the <c>outcome</c> field and the last word of a result's routing key.</summary>
public static class ResultOutcome
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
