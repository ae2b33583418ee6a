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

    public required int W2Quota { get; init; }

    public required IReadOnlyList<RateTrial> W2Plain { get; init; }

    public required IReadOnlyList<RateTrial> W2PromptQueue { get; init; }

    public required PriorityBench.Result W3 { get; init; }

    public required ConcurrencyBench.Result W4 { get; init; }

    public required TimeSpan Duration { get; init; }

    public static RateTrial? Sustained(IReadOnlyList<RateTrial> trials) => trials.Where(t => t.Passed).MaxBy(t => t.Rate);
}
