using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Providers;

/// <summary>A model producers can ask for, and where it is served.</summary>
public sealed class ModelOptions
{
    /// <summary>Endpoint names in order of preference; later ones are fallbacks.</summary>
    [MinLength(1)]
    public List<string> Endpoints { get; set; } = [];

    /// <summary>Name the provider knows the model by; defaults to the name producers use.</summary>
    public string? ProviderModel { get; set; }

    /// <summary>Largest max_tokens a request may ask for.</summary>
    [Range(1, 1_000_000)]
    public int MaxOutputTokens { get; set; } = 4096;

    /// <summary>Context window in tokens (prompt plus completion).</summary>
    [Range(1, 10_000_000)]
    public int ContextWindow { get; set; } = 128_000;
}
