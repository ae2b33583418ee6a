using System.Text.Json;

namespace PromptQueue.Contracts;

/// <summary>
/// Command: answer this chat completion. Published as plain JSON (camelCase) to a lane's request queue.
/// Every field added after schema version 1 must be optional; unknown fields are ignored by workers.
/// </summary>
public sealed record CompletionRequest
{
    /// <summary>Wire schema version of this message. Current: <see cref="WireSchema.CurrentVersion"/>.</summary>
    public int SchemaVersion { get; init; } = WireSchema.CurrentVersion;

    /// <summary>Idempotency key chosen by the producer; the result event carries it back.</summary>
    public string RequestId { get; init; } = "";

    public string TenantId { get; init; } = "";

    /// <summary>Model name as configured on the worker (routed to one or more provider endpoints).</summary>
    public string Model { get; init; } = "";

    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    public double? Temperature { get; init; }

    public int? MaxTokens { get; init; }

    public double? TopP { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    public long? Seed { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    /// <summary>Passed through to the provider as OpenAI's <c>response_format</c>.</summary>
    public JsonElement? ResponseFormat { get; init; }

    /// <summary>Passed through to the provider as OpenAI's <c>tools</c>.</summary>
    public JsonElement? Tools { get; init; }

    /// <summary>Passed through to the provider as OpenAI's <c>tool_choice</c>.</summary>
    public JsonElement? ToolChoice { get; init; }

    /// <summary>0 (bulk) to 9 (urgent). Clamped by the tenant's configured ceiling.</summary>
    public int Priority { get; init; }

    /// <summary>After this instant the request is answered with <see cref="FailureCode.Expired"/> and never sent to a provider.</summary>
    public DateTimeOffset? Deadline { get; init; }

    public CachePolicy CachePolicy { get; init; } = CachePolicy.Default;

    /// <summary>
    /// Queue that receives the result event (sent through the default exchange). When empty the result goes to
    /// the <c>promptqueue.results</c> topic exchange with routing key <c>{tenantId}.{outcome}</c>.
    /// </summary>
    public string? ReplyTo { get; init; }

    /// <summary>Free-form producer data, echoed in the result event.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>When the producer created the request; used to report queue wait.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}
