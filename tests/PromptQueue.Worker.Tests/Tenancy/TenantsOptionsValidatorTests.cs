using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Tests.Tenancy;

public class TenantsOptionsValidatorTests
{
    public static TheoryData<string, TenantOptions> BadTenants => new()
    {
        { "Tenants:ByTenant:acme.MaxPriority must be between 0 and 9", new TenantOptions { MaxPriority = 12 } },
        { "Tenants:ByTenant:acme.RequestsPerMinute must be between 1 and", new TenantOptions { RequestsPerMinute = 0 } },
        { "Tenants:ByTenant:acme.TokensPerMinute must be between 1 and", new TenantOptions { TokensPerMinute = -5 } },
        { "Tenants:ByTenant:acme.CacheScope must match the regular expression", new TenantOptions { CacheScope = "two words" } },
    };

    [Fact]
    public void Defaults_and_a_plain_tenant_entry_are_valid()
    {
        var options = new TenantsOptions { ByTenant = { ["acme"] = new TenantOptions { MaxPriority = 5, CacheScope = "shared.faq" } } };

        Assert.True(new TenantsOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(new TenantsOptionsCustomValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [MemberData(nameof(BadTenants))]
    public void Tenant_entry_breaking_a_rule_fails_with_its_path(string expected, TenantOptions tenant)
    {
        var result = new TenantsOptionsCustomValidator().Validate(null, new TenantsOptions { ByTenant = { ["acme"] = tenant } });

        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_policy_and_lane_share_are_checked_by_the_generated_validator()
    {
        var options = new TenantsOptions { Default = new TenantOptions { MaxPriority = -1 }, MaxLaneShare = 0 };

        var result = new TenantsOptionsValidator().Validate(null, options);

        Assert.Contains("The field TenantsOptions.Default.MaxPriority must be between 0 and 9.", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("The field TenantsOptions.MaxLaneShare must be between 0.01 and 1.", result.FailureMessage, StringComparison.Ordinal);
    }
}
