using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Providers;

/// <summary>
/// Resilience of provider calls, sized for LLM latencies (the HTTP standard handler's 10 s / 30 s defaults are too
/// short). This is the only retry layer: MassTransit does not retry requests.
/// </summary>
public sealed class ProviderResilienceOptions
{
    /// <summary>Longest one HTTP attempt may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest a call may take, retries and waits included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "02:00:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries after the first attempt, on 408, 429, 5xx, timeouts and connection errors (the standard resilience handler needs at least one).</summary>
    [Range(1, 20)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>Base of the exponential backoff (with jitter). A 429's Retry-After overrides it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Share of failed calls within the sampling window that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>Calls within the window before the circuit may open.</summary>
    [Range(2, 100_000)]
    public int CircuitMinimumThroughput { get; set; } = 20;

    /// <summary>Window the failure ratio is measured over. Must be at least twice <see cref="AttemptTimeout"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an open circuit rejects calls before letting one through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a request waits for a model whose every endpoint has an open circuit, retrying as circuits half-open,
    /// before it fails ProviderUnavailable. Waiting requests hold their delivery, so once a lane's concurrency is
    /// taken by them it takes no more work from the queue: the backlog waits there instead of turning into failures.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxCircuitWait { get; set; } = TimeSpan.FromMinutes(10);
}
