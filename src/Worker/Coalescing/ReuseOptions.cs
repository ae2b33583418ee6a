using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Coalescing;

/// <summary>
/// Which requests may share an answer with another. Section "Reuse". Lanes and tenants can turn semantic reuse
/// off for themselves (Messaging:Lanes:{lane}:SemanticReuse, Tenants:ByTenant:{tenant}:SemanticReuse).
/// </summary>
public sealed class ReuseOptions
{
    public const string SectionName = "Reuse";

    /// <summary>
    /// Semantic reuse (near-duplicates answered by one call) where lane and tenant do not say otherwise.
    /// Exact duplicates are always coalesced unless the request's cache policy is bypass or refresh.
    /// </summary>
    public bool SemanticByDefault { get; set; } = true;

    /// <summary>Requests sampled hotter than this expect varied answers and are never coalesced. Unset temperature counts as reusable.</summary>
    [Range(0.0, 2.0)]
    public double MaxTemperature { get; set; } = 1.0;
}
