using PromptQueue.Worker.Redis;

namespace PromptQueue.Worker.Caching;

public static class CachingExtensions
{
    /// <summary>The response cache (L1 + Redis L2, semantic index, replica sync), single-flight and idempotency records.</summary>
    public static IHostApplicationBuilder AddResponseCache(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<CacheOptions, CacheOptionsValidator, CacheOptionsCustomValidator>(CacheOptions.SectionName);
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddSingleton<LocalAnswerCache>();
        builder.Services.AddSingleton<ResponseCache>();
        builder.Services.AddSingleton<SingleFlight>();
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddHostedService<CacheSync>();
        builder.Services.AddSingleton<CacheWarmup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CacheWarmup>());
        builder.Services.AddHealthChecks()
            .AddCheck<RedisConnection>("redis", tags: ["ready"]) // Degraded (HTTP 200) when down, never unready
            .AddCheck<CacheWarmup>("cache-warmup", tags: ["ready"]);
        return builder;
    }
}
