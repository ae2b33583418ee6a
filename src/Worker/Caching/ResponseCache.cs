using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Redis;
using StackExchange.Redis;

namespace PromptQueue.Worker.Caching;

/// <summary>A semantic cache lookup: the request's reuse key and its embedding.</summary>
public readonly record struct SimilarLookup(RequestReuse Reuse, Embedding Embedding);

/// <summary>
/// The response cache: exact lookups (L1, then Redis), semantic lookups (this worker's index of the scope, guarded
/// like coalescing), stores, tag invalidation. Every Redis call is optional: when Redis is away or slow the cache
/// answers from L1 and reports a miss otherwise, so nothing fails because of it.
/// Replicas stay in step through a Redis stream of changes (<see cref="CacheSync"/>): an entry stored by one is
/// indexed by the others at the next poll (200 ms by default).
/// </summary>
public sealed partial class ResponseCache(
    IOptions<CacheOptions> options,
    LocalAnswerCache local,
    RedisConnection redis,
    SemanticMatcher matcher,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<ResponseCache> logger)
{
    private readonly CacheOptions _options = options.Value;
    private readonly ScopeIndexes _scopes = new(options.Value, redis, metrics, logger);

    /// <summary>Identifies this worker's own entries in the change stream.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public bool Enabled => _options.Enabled;

    /// <summary>The live answer stored under an exact key, from L1 or Redis; a hit renews its lifetime in both.</summary>
    public async Task<CachedAnswer?> GetAsync(string exactKey)
    {
        if (local.Get(exactKey) is { } cached)
        {
            metrics.CacheLookup("exact", "l1");
            RenewRemote(exactKey, cached);
            return cached;
        }

        var answer = await GetRemoteAsync(exactKey);
        metrics.CacheLookup("exact", answer is null ? "miss" : "l2");
        return answer;
    }

    /// <summary>
    /// The closest cached prompt of the request's scope that the matcher accepts, with its answer; null when none
    /// does. The request must be embedded.
    /// </summary>
    public async Task<CacheHit?> FindSimilarAsync(RequestReuse reuse, Embedding embedding) =>
        (await FindSimilarAsync([new SimilarLookup(reuse, embedding)]))[0];

    /// <summary>
    /// <see cref="FindSimilarAsync(RequestReuse, Embedding)"/> for a whole batch: every request's nearest candidates
    /// (at most Matching:MaxCandidates, at or above the candidate floor) are decided in one matcher call, so the pair
    /// verifier runs once per batch; then each request takes its nearest accepted candidate whose answer is still live.
    /// </summary>
    public async Task<CacheHit?[]> FindSimilarAsync(IReadOnlyList<SimilarLookup> lookups, CancellationToken cancellationToken = default)
    {
        var hits = new CacheHit?[lookups.Count];
        var scopes = lookups.Select(l => l.Reuse.Scope!).Distinct(StringComparer.Ordinal).ToList();
        var indexes = await Task.WhenAll(scopes.Select(_scopes.ForLookupAsync));
        var byScope = scopes.Select((scope, i) => (scope, index: indexes[i])).Where(x => x.index is not null).ToDictionary(x => x.scope, x => x.index!, StringComparer.Ordinal);
        var candidates = new List<(int Lookup, IndexMatch Match, ScopeIndex Index)>();
        var floor = matcher.CandidateFloor;
        for (var i = 0; i < lookups.Count; i++)
        {
            var (reuse, embedding) = lookups[i];
            if (byScope.TryGetValue(reuse.Scope!, out var index))
            {
                // The exact lookup already missed the request's own key: expired or removed.
                candidates.AddRange(index.Search(embedding.Vector, _options.IndexCandidates, floor)
                    .Where(c => c.Key != reuse.ExactKey).Take(matcher.MaxCandidates).Select(c => (i, c, index)));
            }
        }

        var decisions = await matcher.DecideAsync(
            [.. candidates.Select(c => new MatchQuery(lookups[c.Lookup].Reuse.Text!, lookups[c.Lookup].Embedding, c.Match.Text, new Embedding(c.Match.Vector, 0)))],
            "cache", cancellationToken);
        var accepted = candidates.Select((c, k) => (c, decision: decisions[k])).Where(x => x.decision.IsMatch).GroupBy(x => x.c.Lookup);
        await Task.WhenAll(accepted.Select(async perLookup =>
        {
            // Nearest first, as the index returned them.
            foreach (var (candidate, decision) in perLookup)
            {
                if (await GetStoredAsync(candidate.Match.Key) is { } answer)
                {
                    hits[perLookup.Key] = new CacheHit(answer, ResultSource.SemanticCache, decision.Similarity);
                    return;
                }

                candidate.Index.Remove(candidate.Match.Key); // expired or invalidated while we did not hear of it
            }
        }));

        foreach (var hit in hits)
        {
            metrics.CacheLookup("semantic", hit is null ? "miss" : "hit");
        }

        return hits;
    }

    /// <summary>Stores a provider's answer under the request's exact key and, when it is compared semantically, in the index.</summary>
    public async Task StoreAsync(RequestReuse reuse, Embedding? embedding, CachedAnswer answer)
    {
        var exactKey = reuse.ExactKey!;
        var expiresAt = LocalAnswerCache.Min(answer.StoredAt + _options.Ttl, answer.NotAfter);
        local.Set(exactKey, answer, expiresAt);
        byte[]? indexValue = null;
        if (reuse.Kind == ReuseKind.Semantic && embedding is not null)
        {
            _scopes.For(reuse.Scope!).Upsert(exactKey, embedding.Vector, reuse.Text!);
            indexValue = ScopeIndexes.Encode(embedding.Vector, reuse.Text!);
        }

        metrics.CacheStored();
        if (redis.Database is not { } db)
        {
            return;
        }

        try
        {
            var keys = redis.Keys;
            var ttl = expiresAt - time.GetUtcNow();
            var batch = db.CreateBatch();
            var writes = new List<Task>
            {
                batch.HashSetAsync(keys.Answer(exactKey), [new HashEntry("a", JsonSerializer.SerializeToUtf8Bytes(answer, WireJson.Options)), new HashEntry("x", expiresAt.ToUnixTimeMilliseconds())]),
                batch.KeyExpireAsync(keys.Answer(exactKey), ttl),
            };
            if (indexValue is not null)
            {
                writes.Add(batch.HashSetAsync(keys.Index(reuse.Scope!), exactKey, indexValue));
            }

            foreach (var tag in answer.Tags)
            {
                writes.Add(batch.SetAddAsync(keys.Tag(reuse.Owner, tag), $"{reuse.Scope}|{exactKey}"));
            }

            writes.Add(batch.StreamAddAsync(keys.Changes,
                [new NameValueEntry("op", "add"), new NameValueEntry("o", InstanceId), new NameValueEntry("s", reuse.Scope), new NameValueEntry("k", exactKey), new NameValueEntry("v", indexValue ?? [])],
                maxLength: _options.SyncStreamLength, useApproximateMaxLength: true));
            batch.Execute();
            await Task.WhenAll(writes);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.CacheError("store");
            LogRedisFailed(logger, "store", ex.GetType().Name);
        }
    }

    /// <summary>Removes every entry tagged <paramref name="tag"/> for this owner, here and (through the change stream) on every replica.</summary>
    public async Task<int> InvalidateTagAsync(string owner, string tag)
    {
        var db = redis.Database ?? throw new InvalidOperationException("Redis is unreachable: invalidation needs it to reach every replica.");
        var tagKey = redis.Keys.Tag(owner, tag);
        var members = await db.SetMembersAsync(tagKey);
        var writes = new List<Task>();
        foreach (var member in members)
        {
            var (scope, exactKey) = SplitMember(member.ToString());
            Forget(scope, exactKey);
            writes.Add(db.KeyDeleteAsync(redis.Keys.Answer(exactKey)));
            writes.Add(db.HashDeleteAsync(redis.Keys.Index(scope), exactKey));
            writes.Add(db.StreamAddAsync(redis.Keys.Changes,
                [new NameValueEntry("op", "del"), new NameValueEntry("o", InstanceId), new NameValueEntry("s", scope), new NameValueEntry("k", exactKey)],
                maxLength: _options.SyncStreamLength, useApproximateMaxLength: true));
        }

        writes.Add(db.KeyDeleteAsync(tagKey));
        await Task.WhenAll(writes);
        LogInvalidated(logger, members.Length);
        return members.Length;
    }

    /// <summary>Applies another replica's change (from the stream).</summary>
    internal void Apply(string op, string scope, string exactKey, byte[]? indexValue)
    {
        if (op == "del")
        {
            local.Remove(exactKey);
        }

        _scopes.Apply(op, scope, exactKey, indexValue);
    }

    /// <summary>Scopes loaded before Redis went away may have missed changes: they load again on next use.</summary>
    internal void ForgetLoadedScopes() => _scopes.ForgetLoads();

    private void Forget(string scope, string exactKey)
    {
        local.Remove(exactKey);
        _scopes.Remove(scope, exactKey);
    }

    /// <summary>An answer from L1 or Redis without counting a lookup (semantic candidates, single-flight checks).</summary>
    public async Task<CachedAnswer?> GetStoredAsync(string exactKey)
    {
        if (local.Get(exactKey) is { } cached)
        {
            RenewRemote(exactKey, cached);
            return cached;
        }

        return await GetRemoteAsync(exactKey);
    }

    private async Task<CachedAnswer?> GetRemoteAsync(string exactKey)
    {
        if (redis.Database is not { } db)
        {
            return null;
        }

        try
        {
            var fields = await db.HashGetAsync(redis.Keys.Answer(exactKey), ["a", "x"]);
            if (fields[0].IsNull || fields[1].IsNull)
            {
                return null;
            }

            var now = time.GetUtcNow();
            var answer = JsonSerializer.Deserialize<CachedAnswer>((byte[])fields[0]!, WireJson.Options)!;
            if (DateTimeOffset.FromUnixTimeMilliseconds((long)fields[1]) <= now || answer.NotAfter <= now)
            {
                return null; // expired by our clock; Redis drops the key at its own TTL
            }

            var expiresAt = LocalAnswerCache.Min(now + _options.Ttl, answer.NotAfter);
            local.Set(exactKey, answer, expiresAt);
            Renew(db, exactKey, expiresAt, now);
            return answer;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or JsonException)
        {
            metrics.CacheError("get");
            LogRedisFailed(logger, "get", ex.GetType().Name);
            return null;
        }
    }

    private void RenewRemote(string exactKey, CachedAnswer answer)
    {
        if (redis.Database is { } db)
        {
            var now = time.GetUtcNow();
            Renew(db, exactKey, LocalAnswerCache.Min(now + _options.Ttl, answer.NotAfter), now);
        }
    }

    /// <summary>
    /// Sliding expiry in Redis: fire and forget, a lost renewal only shortens a lifetime. Should the key have gone
    /// meanwhile, this leaves a hash without an answer that reads as a miss and expires with the same TTL.
    /// </summary>
    private void Renew(IDatabase db, string exactKey, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var key = redis.Keys.Answer(exactKey);
        db.HashSet(key, "x", expiresAt.ToUnixTimeMilliseconds(), When.Always, CommandFlags.FireAndForget);
        db.KeyExpire(key, expiresAt - now, CommandFlags.FireAndForget);
    }

    private static (string Scope, string Key) SplitMember(string member)
    {
        var bar = member.IndexOf('|', StringComparison.Ordinal);
        return (member[..bar], member[(bar + 1)..]);
    }

    [LoggerMessage(EventId = 1610, Level = LogLevel.Warning, Message = "Redis {Operation} failed ({Error}); the request goes on without L2")]
    private static partial void LogRedisFailed(ILogger logger, string operation, string error);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Information, Message = "Invalidated {Count} cached answers by tag")]
    private static partial void LogInvalidated(ILogger logger, int count);
}
