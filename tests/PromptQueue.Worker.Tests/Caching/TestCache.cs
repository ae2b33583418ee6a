using Microsoft.Extensions.Logging.Abstractions;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Redis;

namespace PromptQueue.Worker.Tests.Caching;

/// <summary>The cache's parts wired by hand for unit tests (L1 only unless a Redis configuration is given).</summary>
internal sealed class TestCache : IAsyncDisposable
{
    public TestCache(CacheOptions options, WorkerMetrics metrics, TimeProvider time)
    {
        Options = options;
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        Redis = new RedisConnection(wrapped, NullLoggerFactory.Instance, NullLogger<RedisConnection>.Instance);
        Local = new LocalAnswerCache(wrapped, time);
        Cache = new ResponseCache(wrapped, Local, Redis, new SemanticMatcher(new StaticOptionsMonitor<MatchOptions>(new MatchOptions())), metrics, time, NullLogger<ResponseCache>.Instance);
        Flights = new SingleFlight(wrapped, Cache, Redis, metrics, time);
        Idempotency = new IdempotencyStore(wrapped, Redis, metrics, NullLogger<IdempotencyStore>.Instance);
        Sync = new CacheSync(Cache, Redis, wrapped, time, NullLogger<CacheSync>.Instance);
    }

    public CacheOptions Options { get; }

    public RedisConnection Redis { get; }

    public LocalAnswerCache Local { get; }

    public ResponseCache Cache { get; }

    public SingleFlight Flights { get; }

    public IdempotencyStore Idempotency { get; }

    public CacheSync Sync { get; }

    public static TestCache Disabled(WorkerMetrics metrics, TimeProvider time) => new(new CacheOptions { Enabled = false }, metrics, time);

    public async ValueTask DisposeAsync()
    {
        Sync.Dispose();
        Idempotency.Dispose();
        Local.Dispose();
        await Redis.DisposeAsync();
    }
}
