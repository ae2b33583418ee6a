namespace PromptQueue.Producer.Sample;

/// <summary>What a run saw, as printed and as written to --summary-json.</summary>
public sealed record RunSummary
{
    public int Published { get; init; }

    public int Received { get; init; }

    public int Missing { get; init; }

    public int Duplicates { get; init; }

    public int Succeeded { get; init; }

    public int Failed { get; init; }

    public Dictionary<string, int> BySource { get; init; } = [];

    public Dictionary<string, int> ByErrorCode { get; init; } = [];

    public double ElapsedSeconds { get; init; }

    public double ThroughputPerSecond { get; init; }

    public Percentiles EndToEndMs { get; init; } = Percentiles.Empty;

    public Percentiles QueueWaitMs { get; init; } = Percentiles.Empty;

    public Percentiles WorkerMs { get; init; } = Percentiles.Empty;

    /// <summary>The worker's own time: received to completed, minus the time in provider calls.</summary>
    public Percentiles WorkerOwnMs { get; init; } = Percentiles.Empty;

    public Dictionary<string, Percentiles> EndToEndMsByClass { get; init; } = [];
}
