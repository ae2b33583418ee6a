using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>Section "Tenants": the policy of tenants without an entry, and entries by tenant id.</summary>
public sealed class TenantsOptions
{
    public const string SectionName = "Tenants";

    [Required]
    [ValidateObjectMembers(typeof(TenantOptionsValidator))]
    public TenantOptions Default { get; set; } = new();

    public Dictionary<string, TenantOptions> ByTenant { get; set; } = [];

    /// <summary>
    /// Fair share: while more than one tenant uses a lane, one tenant may hold at most this share of the lane's
    /// concurrency with requests taken from the lane's queue; its further requests are moved to the lane's overflow
    /// queue (consumed alongside), so the lane's queue keeps draining and another tenant's requests are taken at
    /// once instead of waiting behind the flood. 1: never move.
    /// </summary>
    [Range(0.01, 1.0)]
    public double MaxLaneShare { get; set; } = 0.5;

    /// <summary>A tenant counts as using a lane for this long after its last request there.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ActiveTenantWindow { get; set; } = TimeSpan.FromSeconds(30);
}
