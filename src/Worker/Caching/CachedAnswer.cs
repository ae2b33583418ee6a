using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// An answer as the cache keeps it: what the provider said and which request it was for, nothing of the request
/// itself beyond the compared text (no metadata, no headers, no keys). Times are by the worker's TimeProvider.
/// </summary>
public sealed record CachedAnswer
{
    /// <summary>The request whose provider call produced this answer.</summary>
    public required string RequestId { get; init; }

    public string? Content { get; init; }

    public JsonElement? ToolCalls { get; init; }

    public string? FinishReason { get; init; }

    public required TokenUsage Usage { get; init; }

    public string? Provider { get; init; }

    public required DateTimeOffset StoredAt { get; init; }

    /// <summary>Never served after this, however often it is hit (stored at + MaxLifetime).</summary>
    public required DateTimeOffset NotAfter { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>Where a cached answer was found and how close its prompt was.</summary>
public sealed record CacheHit(CachedAnswer Answer, ResultSource Source, double Similarity);
