using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// The response cache. Section "Cache". Which requests may be cached is the same rule as which may share a call
/// (Reuse:MaxTemperature, cache policy, semantic reuse per lane and tenant); this section sizes and times it.
/// </summary>
public sealed class CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>Off: no lookups, no stores, no idempotency records (every request calls the provider).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// StackExchange.Redis configuration string of the shared L2 (e.g. <c>127.0.0.1:6379,password=...</c>); empty
    /// runs the cache in process only (one replica). A password here never reaches logs: use an environment variable
    /// or a mounted secret for it.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Prefix of every Redis key, so several deployments can share one Redis.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,32}$")]
    public string KeyPrefix { get; set; } = "pq";

    /// <summary>
    /// A PEM file of the CA Redis's TLS certificate chains to, when it is not in the system trust store; setting it
    /// turns TLS on (as <c>ssl=true</c> in the connection string does).
    /// </summary>
    public string? TlsCaCertificateFile { get; set; }

    /// <summary>Lifetime of an entry without hits; each hit renews it (sliding), up to <see cref="MaxLifetime"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An entry is never served later than this after it was stored, however often it is hit.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Bytes the in-process cache (L1: answers and idempotency records) may hold; least recently used go first.</summary>
    [Range(1L << 20, 64L << 30)]
    public long L1MaxBytes { get; set; } = 64L << 20;

    /// <summary>Entries of one scope the in-process semantic index holds (oldest dropped first); 100k take about 85 MB.</summary>
    [Range(1, 10_000_000)]
    public int IndexMaxEntriesPerScope { get; set; } = 200_000;

    /// <summary>Candidates the quantised scan hands to the exact rescoring; more recall, more time.</summary>
    [Range(1, 4096)]
    public int IndexCandidates { get; set; } = 64;

    /// <summary>How often each worker reads the other replicas' cache changes from the Redis stream.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Changes the Redis stream keeps for replicas that fall behind (approximate trimming).</summary>
    [Range(1000, 10_000_000)]
    public int SyncStreamLength { get; set; } = 20_000;

    /// <summary>How long a request waits for an identical request in flight elsewhere before calling the provider itself.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SingleFlightWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a RequestId's result is kept to answer redeliveries and duplicate publishes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan IdempotencyTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Longest a Redis command may take before the request goes on without it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>JSONL file of known answers loaded at start (see docs/caching.md for the line format).</summary>
    public string? WarmFile { get; set; }

    /// <summary>Metadata key whose value (comma-separated) tags an answer for invalidation.</summary>
    [Required]
    public string TagsMetadataKey { get; set; } = "cacheTags";
}
