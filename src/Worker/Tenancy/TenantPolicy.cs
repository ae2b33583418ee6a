using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tenancy;

/// <summary>Applies per-tenant policy to a request.</summary>
public sealed class TenantPolicy(IOptionsMonitor<TenantsOptions> options)
{
    public TenantOptions For(string tenantId)
    {
        var current = options.CurrentValue;
        return current.ByTenant.TryGetValue(tenantId, out var own) ? own : current.Default;
    }

    /// <summary>
    /// The priority a request is processed with. The broker already ordered deliveries by the AMQP priority the
    /// producer chose; the ceiling decides the order inside a micro-batch and the priority reported in the result.
    /// </summary>
    public int ClampPriority(string tenantId, int requested) => Math.Clamp(requested, 0, For(tenantId).MaxPriority);
}
