namespace PromptQueue.Contracts;

/// <summary>Event: the request will not be answered. Exactly one terminal event per request.</summary>
public sealed record CompletionFailed
{
    public int SchemaVersion { get; init; } = WireSchema.CurrentVersion;

    public string Outcome { get; init; } = ResultOutcome.Failed;

    public required string RequestId { get; init; }

    public required string TenantId { get; init; }

    public string Model { get; init; } = "";

    public required FailureCode ErrorCode { get; init; }

    /// <summary>Human-readable reason. Never contains secrets.</summary>
    public required string ErrorMessage { get; init; }

    /// <summary>True when publishing the same request again later may succeed.</summary>
    public bool Retryable { get; init; }

    public int Attempts { get; init; }

    public int Priority { get; init; }

    public string? Lane { get; init; }

    public required ResultTimings Timings { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
