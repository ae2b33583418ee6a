namespace PromptQueue.Contracts;

/// <summary>Where the time went, in milliseconds, plus the instants they are measured between.</summary>
public sealed record ResultTimings
{
    /// <summary>When the producer created the request (from the request), if it said.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When a worker took the message off the queue.</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>CreatedAt to ReceivedAt, when CreatedAt is known.</summary>
    public double? QueueWaitMs { get; init; }

    /// <summary>Time spent in the worker's micro-batch window.</summary>
    public double BatchWaitMs { get; init; }

    /// <summary>Time spent in provider calls, retries included.</summary>
    public double ProviderMs { get; init; }

    /// <summary>ReceivedAt to CompletedAt.</summary>
    public double WorkerMs { get; init; }
}
