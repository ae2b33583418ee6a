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

    public Dictionary<string, Percentiles> EndToEndMsByClass { get; init; } = [];
}

public sealed record Percentiles(double P50, double P95, double P99, double Max)
{
    public static readonly Percentiles Empty = new(0, 0, 0, 0);

    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return Empty;
        }

        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(Math.Round(At(0.50), 1), Math.Round(At(0.95), 1), Math.Round(At(0.99), 1), Math.Round(sorted[^1], 1));
    }
}
