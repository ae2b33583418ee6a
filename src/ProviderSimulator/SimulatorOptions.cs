using System.ComponentModel.DataAnnotations;

namespace PromptQueue.ProviderSimulator;

/// <summary>Latency and failure model of the simulated provider. Section "Simulator".</summary>
public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>Fixed latency of every response.</summary>
    [Range(0, 600_000)]
    public int BaseLatencyMs { get; set; } = 40;

    /// <summary>Extra latency per completion token generated.</summary>
    [Range(0, 10_000)]
    public double PerTokenLatencyMs { get; set; } = 0.5;

    /// <summary>Uniform random latency added on top, 0..JitterMs.</summary>
    [Range(0, 600_000)]
    public int JitterMs { get; set; } = 10;

    /// <summary>Share of requests answered 429 with Retry-After.</summary>
    [Range(0.0, 1.0)]
    public double RateLimitRate { get; set; }

    /// <summary>Share of requests answered 500.</summary>
    [Range(0.0, 1.0)]
    public double ServerErrorRate { get; set; }

    /// <summary>Share of requests that stall for <see cref="StallMs"/> before answering.</summary>
    [Range(0.0, 1.0)]
    public double StallRate { get; set; }

    [Range(0, 3_600_000)]
    public int StallMs { get; set; } = 60_000;

    /// <summary>
    /// Requests the provider works on at once (its capacity, or this client's quota): a request beyond it is answered
    /// 429 with Retry-After at once, as providers do. 0: no limit.
    /// </summary>
    [Range(0, 100_000)]
    public int MaxConcurrency { get; set; }

    /// <summary>Retry-After seconds sent with a 429.</summary>
    [Range(0, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>When set, requests must carry "Authorization: Bearer {ApiKey}".</summary>
    public string? ApiKey { get; set; }

    /// <summary>Models listed by /v1/models. Any model name is accepted by chat completions.</summary>
    public List<string> Models { get; set; } = ["sim-small", "sim-large"];

    /// <summary>Seed of the random generator behind rates and jitter, for repeatable runs.</summary>
    public int Seed { get; set; } = 7;
}
