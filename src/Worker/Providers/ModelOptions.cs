using System.ComponentModel.DataAnnotations;
using PromptQueue.Worker.Tokens;

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

    /// <summary>tiktoken encoding that counts this model's tokens: o200k_base (GPT-4o family) or cl100k_base (GPT-4, GPT-3.5, most others as an estimate).</summary>
    public string Tokenizer { get; set; } = TokenCounter.DefaultEncoding;

    /// <summary>
    /// How requests pick among several endpoints. PrefixAffinity (default): requests sharing a prompt prefix
    /// (system prompt, template) go to the same endpoint by rendezvous hashing, so provider prefix caches hit, and
    /// the other endpoints are fallbacks. Failover: always the first endpoint, the others in order as fallbacks.
    /// </summary>
    public EndpointRouting Routing { get; set; } = EndpointRouting.PrefixAffinity;

    /// <summary>USD per million prompt tokens, for the estimated cost metrics (0: not priced).</summary>
    [Range(0.0, 1_000_000.0)]
    public double InputPricePerMillion { get; set; }

    /// <summary>USD per million completion tokens, for the estimated cost metrics (0: not priced).</summary>
    [Range(0.0, 1_000_000.0)]
    public double OutputPricePerMillion { get; set; }

    /// <summary>Estimated USD of a call with this usage.</summary>
    public double Cost(int promptTokens, int completionTokens) =>
        ((promptTokens * InputPricePerMillion) + (completionTokens * OutputPricePerMillion)) / 1_000_000.0;
}
