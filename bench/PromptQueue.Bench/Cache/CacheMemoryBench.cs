using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using Spectre.Console;
using StackExchange.Redis;
using static PromptQueue.Bench.Cache.CacheBench;

namespace PromptQueue.Bench.Cache;

/// <summary>Memory per 100k entries: the worker's semantic index and L1 answers (managed heap), and Redis (allocated bytes).</summary>
internal static class CacheMemoryBench
{
    public static async Task RunAsync(List<float[]> real, List<string> texts, string redisConfiguration, WorkerMetrics metrics)
    {
        const int Entries = 100_000;
        var random = new Random(7);
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var index = new ScopeIndex(Entries);
        for (var i = 0; i < Entries; i++)
        {
            index.Upsert(Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))), Noisy(real[i % real.Count], random, 0.01), texts[i % texts.Count] + $" #{i}");
        }

        var indexBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(index);

        var prefix = $"pq-bench-{Guid.NewGuid():N}"[..24];
        var options = Options.Create(new CacheOptions { Redis = redisConfiguration, KeyPrefix = prefix, L1MaxBytes = 4L << 30, SyncStreamLength = 1000 });
        await using var redis = RedisOf(options);
        using var local = new LocalAnswerCache(options, TimeProvider.System);
        var cache = ResponseCacheOf(options, local, redis, metrics);
        for (var i = 0; i < 50 && redis.Database is null; i++)
        {
            await Task.Delay(100);
        }

        var db = redis.Database ?? throw new InvalidOperationException($"Redis at {redisConfiguration} is unreachable.");
        var redisBefore = UsedMemory(db);
        GC.Collect();
        var l1Before = GC.GetTotalMemory(forceFullCollection: true);
        var answer = new string('x', 400); // a short paragraph
        var writes = new List<Task>(1000);
        for (var i = 0; i < Entries; i++)
        {
            var key = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));
            var now = DateTimeOffset.UtcNow;
            writes.Add(cache.StoreAsync(new RequestReuse(ReuseKind.Semantic, Scope, key, "tenant:bench", texts[i % texts.Count]), new Embedding(real[i % real.Count], 0),
                new CachedAnswer { RequestId = $"bench-{i}", Content = answer, Usage = new TokenUsage { PromptTokens = 20, CompletionTokens = 100, TotalTokens = 120 }, Provider = "sim", StoredAt = now, NotAfter = now.AddDays(1) }));
            if (writes.Count == 1000)
            {
                await Task.WhenAll(writes);
                writes.Clear();
            }
        }

        await Task.WhenAll(writes);
        var l1Bytes = GC.GetTotalMemory(forceFullCollection: true) - l1Before - indexBytes; // the cache indexed its own copy too
        var redisBytes = UsedMemory(db) - redisBefore;
        var table = new Table().AddColumns("where", "per 100k entries", "per entry");
        table.AddRow("worker: semantic index (1-bit codes, float16 vectors, keys, texts)", Mb(indexBytes), $"{indexBytes / Entries:N0} B");
        table.AddRow("worker: L1 answers (400-character answers)", Mb(Math.Max(0, l1Bytes)), $"{Math.Max(0, l1Bytes) / Entries:N0} B");
        table.AddRow("Redis: answer hash + index field + change stream entry (used_memory)", Mb(redisBytes), $"{redisBytes / Entries:N0} B");
        AnsiConsole.MarkupLine("\n[bold]Memory per 100k entries[/]");
        AnsiConsole.Write(table);

        // Clean up this run's keys.
        var server = db.Multiplexer.GetServers()[0];
        var batch = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: $"{prefix}:*", pageSize: 5000))
        {
            batch.Add(key);
            if (batch.Count == 5000)
            {
                await db.KeyDeleteAsync([.. batch]);
                batch.Clear();
            }
        }

        await db.KeyDeleteAsync([.. batch]);
    }

    private static long UsedMemory(IDatabase db) => long.Parse(((string)db.Execute("MEMORY", "STATS").ToDictionary()["total.allocated"]!)!, CultureInfo.InvariantCulture);
}
