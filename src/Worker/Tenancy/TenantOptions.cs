using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Tenancy;

/// <summary>Policy of one tenant.</summary>
public sealed class TenantOptions
{
    /// <summary>Highest priority this tenant's requests are processed with; higher requests are clamped to it.</summary>
    [Range(0, 9)]
    public int MaxPriority { get; set; } = 9;

    /// <summary>This tenant's near-duplicate requests may share one provider call. Null: allowed (lanes decide).</summary>
    public bool? SemanticReuse { get; set; }

    /// <summary>
    /// Tenants naming the same shared scope share cached answers and coalesced calls; unset (the default): the
    /// tenant's answers are its own and never served to anyone else.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string? CacheScope { get; set; }

    /// <summary>Quota: requests this tenant may submit per minute, across all replicas. Null: no quota.</summary>
    [Range(1, int.MaxValue)]
    public int? RequestsPerMinute { get; set; }

    /// <summary>Quota: tokens (prompt + output cap) this tenant may submit per minute, across all replicas. Null: no quota.</summary>
    [Range(1, int.MaxValue)]
    public int? TokensPerMinute { get; set; }
}
