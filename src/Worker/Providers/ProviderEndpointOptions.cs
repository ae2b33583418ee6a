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

    public string? ResolveApiKey() =>
        !string.IsNullOrEmpty(ApiKey) ? ApiKey
        : ApiKeyEnvironmentVariable is { Length: > 0 } name ? Environment.GetEnvironmentVariable(name)
        : null;
}
