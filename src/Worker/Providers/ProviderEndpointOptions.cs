using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Providers;

/// <summary>One OpenAI-compatible HTTP endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, the simulator...).</summary>
public sealed class ProviderEndpointOptions
{
    /// <summary>Base address up to and including the version segment, e.g. https://api.openai.com/v1/.</summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary>API key sent as a bearer token. Prefer <see cref="ApiKeyEnvironmentVariable"/>; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Name of an environment variable holding the API key (e.g. OPENAI_API_KEY).</summary>
    public string? ApiKeyEnvironmentVariable { get; set; }

    /// <summary>Connections kept open to this endpoint at most; requests beyond it wait for a free connection.</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerServer { get; set; } = 32;

    /// <summary>Connections are replaced after this long, so DNS changes are picked up.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Idle connections are closed after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Requests per minute this worker sends to the endpoint at most (the provider's RPM limit divided by replicas). Null: no limit.</summary>
    [Range(1, 10_000_000)]
    public int? RequestsPerMinute { get; set; }

    /// <summary>Tokens per minute (prompt + output cap, as providers count them) this worker sends at most. Null: no limit.</summary>
    [Range(1, 1_000_000_000)]
    public int? TokensPerMinute { get; set; }

    /// <summary>
    /// Concurrency adapts between <see cref="MinConcurrency"/> and <see cref="MaxConnectionsPerServer"/>: it shrinks
    /// on 429s, 503s and rising latency and grows back on success.
    /// </summary>
    public bool AdaptiveConcurrency { get; set; } = true;

    /// <summary>Lowest concurrency adaptive control goes down to.</summary>
    [Range(1, 10_000)]
    public int MinConcurrency { get; set; } = 1;

    /// <summary>Recent latency above this multiple of the long-run latency counts as overload. 0: latency is ignored.</summary>
    [Range(0.0, 100.0)]
    public double LatencyTolerance { get; set; } = 2.0;

    public string? ResolveApiKey() =>
        !string.IsNullOrEmpty(ApiKey) ? ApiKey
        : ApiKeyEnvironmentVariable is { Length: > 0 } name ? Environment.GetEnvironmentVariable(name)
        : null;
}
