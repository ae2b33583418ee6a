using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>
/// Each tenant's entry under Tenants:ByTenant passes the same annotation rules as the default policy: priority
/// ceiling 0-9, positive quotas, cache scope name.
/// </summary>
internal sealed class TenantsOptionsCustomValidator : IValidateOptions<TenantsOptions>
{
    private static readonly TenantOptionsValidator Tenant = new();

    public ValidateOptionsResult Validate(string? name, TenantsOptions options) =>
        new ValidateOptionsResultBuilder().AddEntries(Tenant, $"{TenantsOptions.SectionName}:ByTenant", options.ByTenant).Build();
}
