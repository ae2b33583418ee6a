using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Publishing;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Builds a request's terminal event: the succeeded event of an answer (from a provider call, the cache, another
/// request's flight or a coalesced group) or a failed event with its stable code, each with the request's timings.
/// </summary>
public sealed class ResultEventFactory(TimeProvider time)
{
    /// <summary>The message of <see cref="FailureCode.Internal"/>: never the exception's text (it may hold secrets).</summary>
    public const string InternalMessage = "The worker failed unexpectedly while processing this request.";

    /// <summary>A failed event; <paramref name="providerTime"/> is how long the provider step took, zero when it never ran.</summary>
    public ResultEnvelope Failed(PendingRequest pending, FailureCode code, string message, bool retryable, int attempts, TimeSpan providerTime) =>
        ResultEnvelope.Of(new CompletionFailed
        {
            RequestId = pending.Request.RequestId ?? "",
            TenantId = pending.Request.TenantId ?? "",
            Model = pending.Request.Model ?? "",
            ErrorCode = code,
            ErrorMessage = message,
            Retryable = retryable,
            Attempts = attempts,
            Priority = pending.Priority,
            Lane = pending.Lane,
            Timings = Timings(pending, providerTime),
            Metadata = pending.Request.Metadata,
        });

    /// <summary>A failure that ends a request before any provider call.</summary>
    public ResultEnvelope Refused(PendingRequest pending, FailureCode code, string message, bool retryable = false) =>
        Failed(pending, code, message, retryable, attempts: 0, providerTime: TimeSpan.Zero);

    /// <summary>The event of a request delivered too often (see <see cref="Messaging.RedeliveryGuard"/>).</summary>
    public ResultEnvelope Poison(PendingRequest pending, int delivery) =>
        Refused(pending, FailureCode.PoisonMessage, $"The request was delivered {delivery} times without an answer (it crashed or stalled the worker each time); it was moved to the error queue.");

    /// <summary>The event of a request over its tenant's quota: retryable once the minute is over.</summary>
    public ResultEnvelope QuotaExceeded(PendingRequest pending, string reason) => Refused(pending, FailureCode.QuotaExceeded, reason, retryable: true);

    /// <summary>A cache hit as the request's event: source, similarity and the RequestId whose answer it reuses.</summary>
    public ResultEnvelope FromCache(PendingRequest pending, CacheHit hit) => Reused(pending, hit.Answer, hit.Source, hit.Similarity, TimeSpan.Zero);

    /// <summary>An answer from the cache or another request's flight: the request whose call produced it is the match.</summary>
    public ResultEnvelope Reused(PendingRequest pending, CachedAnswer answer, ResultSource source, double similarity, TimeSpan waited) =>
        Answered(pending, answer, source, similarity, answer.RequestId, attempts: 0, waited);

    public ResultEnvelope Answered(PendingRequest pending, CachedAnswer answer, ResultSource source, double? similarity, string? matchedRequestId, int attempts, TimeSpan providerTime)
    {
        var request = pending.Request;
        return ResultEnvelope.Of(new CompletionSucceeded
        {
            RequestId = request.RequestId,
            TenantId = request.TenantId,
            Model = request.Model,
            Content = answer.Content,
            ToolCalls = answer.ToolCalls,
            FinishReason = answer.FinishReason,
            Usage = answer.Usage,
            Source = source,
            Similarity = similarity is { } value ? Math.Round(value, 4) : null,
            MatchedRequestId = matchedRequestId,
            Provider = answer.Provider,
            Attempts = attempts,
            Priority = pending.Priority,
            Lane = pending.Lane,
            Timings = Timings(pending, providerTime),
            Metadata = request.Metadata,
        });
    }

    private ResultTimings Timings(PendingRequest pending, TimeSpan providerTime)
    {
        var completed = time.GetUtcNow();
        var created = pending.Request.CreatedAt;
        return new ResultTimings
        {
            CreatedAt = created,
            ReceivedAt = pending.ReceivedAt,
            CompletedAt = completed,
            QueueWaitMs = created is { } c ? Math.Max(0, (pending.ReceivedAt - c).TotalMilliseconds) : null,
            BatchWaitMs = ((pending.BatchedAt ?? pending.ReceivedAt) - pending.ReceivedAt).TotalMilliseconds,
            ProviderMs = providerTime.TotalMilliseconds,
            WorkerMs = (completed - pending.ReceivedAt).TotalMilliseconds,
        };
    }
}
