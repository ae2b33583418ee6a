using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.TestSupport;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Redis;

namespace PromptQueue.IntegrationTests.Caching;

/// <summary>Entry lifetime on a real Redis, with the worker's clock faked: TTL, sliding renewal, the hard limit.</summary>
public sealed class CacheLifetimeTests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(25);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-30T08:00:00Z", CultureInfo.InvariantCulture));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private RedisServer _redis = null!;
    private RedisConnection _connection = null!;
    private LocalAnswerCache _local = null!;
    private ResponseCache _cache = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var options = Options.Create(new CacheOptions { Redis = _redis.Configuration, Ttl = Ttl, MaxLifetime = MaxLifetime });
        _connection = new RedisConnection(options, NullLoggerFactory.Instance, NullLogger<RedisConnection>.Instance);
        _local = new LocalAnswerCache(options, _time);
        _cache = new ResponseCache(options, _local, _connection, new SemanticMatcher(new StaticOptionsMonitor<MatchOptions>(new MatchOptions())),
            new WorkerMetrics(_services.GetRequiredService<IMeterFactory>()), _time, NullLogger<ResponseCache>.Instance);
        for (var i = 0; i < 100 && _connection.Database is null; i++)
        {
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        _local.Dispose();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
        await _services.DisposeAsync();
    }

    private async Task<string> StoreAsync(string key)
    {
        var now = _time.GetUtcNow();
        await _cache.StoreAsync(new RequestReuse(ReuseKind.Exact, "scope", key, "tenant:t", null), null, new CachedAnswer
        {
            RequestId = "origin",
            Content = "answer",
            Usage = new TokenUsage(),
            StoredAt = now,
            NotAfter = now + MaxLifetime,
        });
        return key;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // L1 dropped before each read: the entry comes from Redis
    public async Task An_entry_expires_after_its_ttl_without_hits(bool keepL1)
    {
        var key = await StoreAsync($"ttl-{keepL1}");

        _time.Advance(Ttl - TimeSpan.FromSeconds(1));
        if (!keepL1)
        {
            _local.Remove(key);
        }

        Assert.NotNull(await _cache.GetAsync(key)); // a hit: renewed to now + TTL
        _time.Advance(Ttl + TimeSpan.FromSeconds(1));
        if (!keepL1)
        {
            _local.Remove(key);
        }

        Assert.Null(await _cache.GetAsync(key));
    }

    [Fact]
    public async Task Hits_slide_the_expiry_in_L1_and_Redis_but_never_past_the_maximum_lifetime()
    {
        var key = await StoreAsync("sliding");

        // Every 8 minutes (TTL 10): alive through renewals, in Redis too (L1 dropped every other time).
        for (var step = 1; step <= 3; step++)
        {
            _time.Advance(TimeSpan.FromMinutes(8));
            if (step % 2 == 0)
            {
                _local.Remove(key);
            }

            Assert.NotNull(await _cache.GetAsync(key));
        }

        // 24 minutes in; the next hit would be at 32 > MaxLifetime 25.
        _time.Advance(TimeSpan.FromMinutes(8));
        Assert.Null(await _cache.GetAsync(key));
        _local.Remove(key);
        Assert.Null(await _cache.GetAsync(key));
    }
}
