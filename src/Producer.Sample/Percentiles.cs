namespace PromptQueue.Producer.Sample;

/// <summary>Nearest-rank percentiles of a set of measurements, rounded to 0.1.</summary>
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

        return new Percentiles(Math.Round(NearestRank(sorted, 0.50), 1), Math.Round(NearestRank(sorted, 0.95), 1), Math.Round(NearestRank(sorted, 0.99), 1), Math.Round(sorted[^1], 1));
    }

    /// <summary>The nearest-rank <paramref name="q"/>-quantile of values sorted in ascending order, unrounded (sub-millisecond figures keep their digits).</summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double q) =>
        sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
