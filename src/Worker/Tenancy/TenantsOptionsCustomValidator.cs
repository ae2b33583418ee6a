using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>
/// Each tenant's entry under Tenants:ByTenant passes the same annotation rules as the default policy (priority
/// ceiling 0-9, positive quotas, cache scope name): neither the generator nor DataAnnotations walks a dictionary.
/// </summary>
internal sealed class TenantsOptionsCustomValidator : IValidateOptions<TenantsOptions>
{
    private readonly TenantOptionsValidator _tenant = new();

    public ValidateOptionsResult Validate(string? name, TenantsOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        foreach (var (tenantId, tenant) in options.ByTenant)
        {
            builder.AddResult(_tenant.Validate($"{TenantsOptions.SectionName}:ByTenant:{tenantId}", tenant));
        }

        return builder.Build();
    }
}
