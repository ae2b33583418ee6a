using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>Section "Tenants": the policy of tenants without an entry, and entries by tenant id.</summary>
public sealed class TenantsOptions
{
    public const string SectionName = "Tenants";

    [Required]
    [ValidateObjectMembers]
    public TenantOptions Default { get; set; } = new();

    public Dictionary<string, TenantOptions> ByTenant { get; set; } = [];
}
