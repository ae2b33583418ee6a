using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// L1: answers in process, bounded by bytes. Microsoft.Extensions.Caching.Memory does the bounding (SizeLimit,
/// compaction of least recently used entries); expiry is ours (sliding TTL up to a hard limit, by the injected
/// TimeProvider) so L1 and L2 expire by the same clock and tests can move it.
/// </summary>
public sealed class LocalAnswerCache : IDisposable
{
    private readonly MemoryCache _memory;
    private readonly TimeProvider _time;
    private readonly CacheOptions _options;

    public LocalAnswerCache(IOptions<CacheOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.L1MaxBytes, CompactionPercentage = 0.1 });
    }

    /// <summary>The answer under this key if it is still live; a hit renews its lifetime.</summary>
    public CachedAnswer? Get(string key)
    {
        if (!_memory.TryGetValue(key, out LocalEntry? entry) || entry is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (entry.ExpiresAt <= now || entry.Answer.NotAfter <= now)
        {
            _memory.Remove(key);
            return null;
        }

        entry.ExpiresAt = Min(now + _options.Ttl, entry.Answer.NotAfter);
        return entry.Answer;
    }

    public void Set(string key, CachedAnswer answer, DateTimeOffset expiresAt) =>
        _memory.Set(key, new LocalEntry(answer, expiresAt), new MemoryCacheEntryOptions { Size = EstimateBytes(key, answer) });

    public void Remove(string key) => _memory.Remove(key);

    public void Dispose() => _memory.Dispose();

    internal static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Strings are UTF-16 in memory; objects and the cache's own entry add a few hundred bytes.</summary>
    private static long EstimateBytes(string key, CachedAnswer answer) =>
        400 + (2L * (key.Length + (answer.Content?.Length ?? 0) + answer.RequestId.Length + (answer.Provider?.Length ?? 0)))
        + (answer.ToolCalls is { } tools ? 2L * tools.GetRawText().Length : 0)
        + answer.Tags.Sum(t => 40L + (2L * t.Length));

    private sealed class LocalEntry(CachedAnswer answer, DateTimeOffset expiresAt)
    {
        public CachedAnswer Answer { get; } = answer;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;
    }
}
