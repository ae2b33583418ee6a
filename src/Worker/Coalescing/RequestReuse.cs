namespace PromptQueue.Worker.Coalescing;

/// <summary>How far a request may share an answer with others: not at all, identical prompts only, or near-duplicates too.</summary>
public enum ReuseKind
{
    None,
    Exact,
    Semantic,
}

/// <summary>
/// A request's reuse profile, computed once per delivery: its kind, its scope (only requests of one scope may ever
/// share an answer), its exact key, the cache owner tags are kept under (the tenant or its shared scope), and the
/// last user turn compared semantically.
/// </summary>
public sealed record RequestReuse(ReuseKind Kind, string? Scope, string? ExactKey, string Owner, string? Text)
{
    public static RequestReuse None(string owner) => new(ReuseKind.None, null, null, owner, null);
}
