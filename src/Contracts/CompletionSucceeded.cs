using System.Text.Json;

namespace PromptQueue.Contracts;

/// <summary>Event: the request was answered. Exactly one terminal event (this or <see cref="CompletionFailed"/>) per request.</summary>
public sealed record CompletionSucceeded
{
    public int SchemaVersion { get; init; } = WireSchema.CurrentVersion;

    public string Outcome { get; init; } = ResultOutcome.Succeeded;

    public required string RequestId { get; init; }

    public required string TenantId { get; init; }

    public required string Model { get; init; }

    public string? Content { get; init; }

    /// <summary>Tool calls the model made, as the provider returned them.</summary>
    public JsonElement? ToolCalls { get; init; }

    public string? FinishReason { get; init; }

    public required TokenUsage Usage { get; init; }

    public ResultSource Source { get; init; } = ResultSource.Provider;

    /// <summary>Cosine similarity of the matched prompt, for semantic cache hits and coalesced answers.</summary>
    public double? Similarity { get; init; }

    /// <summary>RequestId whose answer was reused (cache hit or coalescing leader).</summary>
    public string? MatchedRequestId { get; init; }

    /// <summary>Name of the provider endpoint that produced the answer.</summary>
    public string? Provider { get; init; }

    /// <summary>Provider attempts made for this answer (0 when served from cache).</summary>
    public int Attempts { get; init; }

    public int Priority { get; init; }

    public string? Lane { get; init; }

    public required ResultTimings Timings { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
