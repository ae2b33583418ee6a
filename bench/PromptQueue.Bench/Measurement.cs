using PromptQueue.Producer.Sample;

namespace PromptQueue.Bench;

/// <summary>One side of the comparison: throughput and latency percentiles.</summary>
public sealed record Measurement(string Name, int Count, double Seconds, double PerSecond, Percentiles LatencyMs)
{
    public static Measurement Of(string name, int count, TimeSpan elapsed, IEnumerable<double> latencies) =>
        new(name, count, Math.Round(elapsed.TotalSeconds, 2), Math.Round(count / elapsed.TotalSeconds, 1), Percentiles.Of(latencies));
}
