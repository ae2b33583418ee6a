namespace PromptQueue.Bench.Suite;

/// <summary>Everything one suite run measured, for the console tables, docs/benchmarks.md and the plots.</summary>
public sealed record SuiteResults
{
    public required IReadOnlyList<(string Name, string Value)> Machine { get; init; }

    public required Measurement BrokerCeiling { get; init; }

    public required double EmbeddingBefore { get; init; }

    public required double EmbeddingAfter { get; init; }

    public double EmbeddingCeiling => (EmbeddingBefore + EmbeddingAfter) / 2;

    public required Measurement W1 { get; init; }

    public required Measurement W1Cold { get; init; }

    public required Measurement W1Plain { get; init; }

    public required Measurement W1PlainCold { get; init; }

    public required Measurement W1s { get; init; }

    /// <summary>From `dotnet` started to /health/ready, the worker from its Release build (JIT only).</summary>
    public required IReadOnlyList<TimeSpan> StartupsJit { get; init; }

    /// <summary>The same from the ReadyToRun publish (empty when the suite ran without one).</summary>
    public required IReadOnlyList<TimeSpan> StartupsPublished { get; init; }

    /// <summary>The median ready time of what a replica runs: the publish when there is one.</summary>
    public TimeSpan WorkerStartup => Median(StartupsPublished.Count > 0 ? StartupsPublished : StartupsJit);

    public static TimeSpan Median(IReadOnlyList<TimeSpan> values) => values.Count == 0 ? TimeSpan.Zero : values.Order().ElementAt(values.Count / 2);

    /// <summary>The first pass's rate over the warm pass's: what a new replica does with its first requests.</summary>
    public double W1ColdShare => W1Cold.PerSecond / W1.PerSecond;

    public required IReadOnlyList<OverheadPoint> Overhead { get; init; }

    public required int W2Quota { get; init; }

    public required IReadOnlyList<W2Round> W2Rounds { get; init; }

    /// <summary>The round whose ratio is the median (the figure the summary reports), null when no round sustained a rate.</summary>
    public W2Round? W2Median => W2Rounds.Where(r => !double.IsNaN(r.Ratio)).OrderBy(r => r.Ratio).ElementAtOrDefault(W2Rounds.Count(r => !double.IsNaN(r.Ratio)) / 2);

    public IEnumerable<RateTrial> W2Plain => W2Rounds.SelectMany(r => r.Plain.Trials);

    public IEnumerable<RateTrial> W2PromptQueue => W2Rounds.SelectMany(r => r.PromptQueue.Trials);

    public required PriorityBench.Result W3 { get; init; }

    public required ConcurrencyBench.Result W4 { get; init; }

    public required IReadOnlyList<WorkloadLoad> Loads { get; init; }

    public required TimeSpan Duration { get; init; }
}

/// <summary>One W2 round: both workers searched one after the other on the same simulator.</summary>
public sealed record W2Round(int Round, RateSearch Plain, RateSearch PromptQueue)
{
    public double Ratio => Plain.Sustained is { } plain && PromptQueue.Sustained is { } pq ? pq.Rate / plain.Rate : double.NaN;

    public bool Trustworthy => Plain.Trustworthy && PromptQueue.Trustworthy;
}
