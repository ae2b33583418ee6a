using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Coalescing;

/// <summary>
/// One rule for coalescing and the cache alike: which requests may share an answer, and how. Bypass and refresh
/// never take another's answer; hot sampling (above Reuse:MaxTemperature) expects varied answers; exact-only,
/// tools, turns the model cannot read whole, and lanes or tenants with semantic reuse off match identical prompts only.
/// </summary>
public sealed class ReuseClassifier(
    ITextEmbedder embedder,
    IOptionsMonitor<ReuseOptions> reuse,
    IOptions<MessagingOptions> messaging,
    TenantPolicy tenants)
{
    public RequestReuse Classify(PendingRequest pending)
    {
        var request = pending.Request;
        var shared = tenants.For(request.TenantId).CacheScope;
        var owner = Owner(request.TenantId);
        if (request.CachePolicy == CachePolicy.Bypass || request.Temperature > reuse.CurrentValue.MaxTemperature)
        {
            return RequestReuse.None(owner);
        }

        var scope = RequestFingerprint.Scope(request, shared);
        var exact = RequestFingerprint.Exact(request, scope);
        // Refresh calls the provider but stores the new answer under the same keys, so it keeps its exact key.
        if (request.CachePolicy is CachePolicy.ExactOnly or CachePolicy.Refresh || request.Tools is not null || !SemanticAllowed(pending))
        {
            return new RequestReuse(ReuseKind.Exact, scope, exact, owner, null);
        }

        var text = RequestFingerprint.LastUserText(request);
        // all-MiniLM-L6-v2 reads 256 word pieces and drops the rest: a longer turn could differ where it cannot see.
        return text is not null && embedder.Fits(text)
            ? new RequestReuse(ReuseKind.Semantic, scope, exact, owner, text)
            : new RequestReuse(ReuseKind.Exact, scope, exact, owner, null);
    }

    /// <summary>Who owns a tenant's cached answers (and their tags): the tenant, or the shared scope it belongs to.</summary>
    public string Owner(string tenantId) => tenants.For(tenantId).CacheScope is { } shared ? $"shared:{shared}" : $"tenant:{tenantId}";

    private bool SemanticAllowed(PendingRequest pending)
    {
        var lane = messaging.Value.EffectiveLanes.TryGetValue(pending.Lane, out var laneOptions) ? laneOptions.SemanticReuse : null;
        var tenant = tenants.For(pending.Request.TenantId).SemanticReuse;
        return (lane ?? reuse.CurrentValue.SemanticByDefault) && (tenant ?? true);
    }
}
