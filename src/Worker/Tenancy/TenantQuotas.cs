using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Redis;
using StackExchange.Redis;

namespace PromptQueue.Worker.Tenancy;

/// <summary>
/// Per-tenant quotas (requests and tokens per minute), counted across replicas in Redis: one INCRBY per request and
/// kind on a counter for the current UTC minute that expires two minutes later (a fixed window, the simplest
/// counter every replica can share). While Redis is down each worker counts in process, so a quota holds per
/// replica. Tokens are the prompt plus the output cap, as providers count them. A request over quota is answered
/// QuotaExceeded (retryable) before any cache lookup or provider call.
/// </summary>
public sealed partial class TenantQuotas(
    TenantPolicy tenants,
    RedisConnection redis,
    TimeProvider time,
    IOptionsMonitor<ProvidersOptions> providers,
    ILogger<TenantQuotas> logger)
{
    private static readonly TimeSpan WindowLifetime = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, long> _local = new(StringComparer.Ordinal);

    /// <summary>Null when the request is within its tenant's quotas (and is now counted), else why it is not.</summary>
    public async Task<string?> ChargeAsync(PendingRequest pending)
    {
        var request = pending.Request;
        var policy = tenants.For(request.TenantId);
        if (policy.RequestsPerMinute is null && policy.TokensPerMinute is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        var resetsAt = DateTimeOffset.FromUnixTimeSeconds((minute + 1) * 60);
        if (policy.RequestsPerMinute is { } requestQuota && await AddAsync(request.TenantId, "requests", minute, 1) > requestQuota)
        {
            return $"Tenant '{request.TenantId}' has used its quota of {requestQuota} requests per minute; it resets at {resetsAt:O}.";
        }

        if (policy.TokensPerMinute is { } tokenQuota)
        {
            var outputCap = request.MaxTokens ?? (providers.CurrentValue.Models.TryGetValue(request.Model, out var model) ? model.MaxOutputTokens : 0);
            var tokens = pending.PromptTokens + outputCap;
            if (await AddAsync(request.TenantId, "tokens", minute, tokens) > tokenQuota)
            {
                return $"Tenant '{request.TenantId}' has used its quota of {tokenQuota} tokens per minute (this request counts {tokens}); it resets at {resetsAt:O}.";
            }
        }

        return null;
    }

    private async Task<long> AddAsync(string tenant, string kind, long minute, long amount)
    {
        var key = redis.Keys.Quota(tenant, kind, minute);
        if (redis.Database is { } db)
        {
            try
            {
                var total = await db.StringIncrementAsync(key, amount);
                if (total == amount)
                {
                    db.KeyExpire(key, WindowLifetime, CommandFlags.FireAndForget);
                }

                return total;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogQuotaFailed(logger, ex.GetType().Name);
            }
        }

        ForgetOldWindows(minute);
        return _local.AddOrUpdate(key.ToString(), amount, (_, n) => n + amount);
    }

    private void ForgetOldWindows(long minute)
    {
        if (_local.Count < 1024)
        {
            return;
        }

        var current = ":" + minute.ToString(CultureInfo.InvariantCulture);
        foreach (var key in _local.Keys.Where(k => !k.EndsWith(current, StringComparison.Ordinal)))
        {
            _local.TryRemove(key, out _);
        }
    }

    // 17xx: Tenancy's range (1400 is the result publisher's, which this id had duplicated).
    [LoggerMessage(EventId = 1700, Level = LogLevel.Warning, Message = "Counting a tenant quota in Redis failed ({Error}); counted in this worker only")]
    private static partial void LogQuotaFailed(ILogger logger, string error);
}
