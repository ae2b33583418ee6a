using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Providers;

/// <summary>Provider endpoints, the models routed to them, and the resilience of calls. Section "Providers".</summary>
public sealed class ProvidersOptions
{
    public const string SectionName = "Providers";

    /// <summary>OpenAI-compatible endpoints by name.</summary>
    public Dictionary<string, ProviderEndpointOptions> Endpoints { get; set; } = [];

    /// <summary>Models producers may ask for, by the name they use.</summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = [];

    [Required]
    [ValidateObjectMembers]
    public ProviderResilienceOptions Resilience { get; set; } = new();
}
