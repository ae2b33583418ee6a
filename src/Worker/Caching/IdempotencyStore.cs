using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Redis;
using StackExchange.Redis;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// Results by RequestId, so a redelivery or a duplicate publish gets the same event again without a provider call.
/// Recorded before the event is published (a crash between the two republishes the record), in L1 and Redis.
/// Retryable failures are not recorded: the producer may send the same RequestId again to retry. While Redis is
/// down a record lives in this worker only; a redelivery to another replica could then be answered twice, and
/// every such unprotected result is counted (promptqueue_worker_idempotency_unprotected).
/// </summary>
public sealed partial class IdempotencyStore : IDisposable
{
    private readonly CacheOptions _options;
    private readonly RedisConnection _redis;
    private readonly WorkerMetrics _metrics;
    private readonly ILogger<IdempotencyStore> _logger;
    private readonly MemoryCache _local;

    public IdempotencyStore(IOptions<CacheOptions> options, RedisConnection redis, WorkerMetrics metrics, ILogger<IdempotencyStore> logger)
    {
        _options = options.Value;
        _redis = redis;
        _metrics = metrics;
        _logger = logger;
        _local = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1 << 20, _options.L1MaxBytes / 4) });
    }

    /// <summary>The result already published for this request, if any.</summary>
    public async Task<ResultEnvelope?> FindAsync(CompletionRequest request)
    {
        if (!_options.Enabled || string.IsNullOrEmpty(request.RequestId))
        {
            return null;
        }

        var key = _redis.Keys.Done(request.TenantId, request.RequestId);
        if (_local.TryGetValue(key.ToString(), out byte[]? stored) && stored is not null)
        {
            return Decode(stored);
        }

        if (_redis.Database is not { } db)
        {
            return null;
        }

        try
        {
            var value = await db.StringGetAsync(key);
            return value.IsNull ? null : Decode((byte[])value!);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or JsonException)
        {
            _metrics.CacheError("idempotency-get");
            LogFailed(_logger, "read", ex.GetType().Name);
            return null;
        }
    }

    /// <summary>Records a terminal result before it is published. Never throws.</summary>
    public async Task RecordAsync(CompletionRequest request, ResultEnvelope result)
    {
        if (!_options.Enabled || string.IsNullOrEmpty(request.RequestId) || result.Failed is { Retryable: true })
        {
            return;
        }

        var key = _redis.Keys.Done(request.TenantId, request.RequestId);
        var value = Encode(result);
        _local.Set(key.ToString(), value, new MemoryCacheEntryOptions { Size = value.Length + 200, AbsoluteExpirationRelativeToNow = _options.IdempotencyTtl });
        if (_redis.Database is not { } db)
        {
            if (_redis.IsConfigured)
            {
                _metrics.IdempotencyUnprotected();
            }

            return;
        }

        try
        {
            await db.StringSetAsync(key, value, _options.IdempotencyTtl);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.IdempotencyUnprotected();
            LogFailed(_logger, "write", ex.GetType().Name);
        }
    }

    public void Dispose() => _local.Dispose();

    private static byte[] Encode(ResultEnvelope result) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["type"] = result.EventType,
            ["event"] = JsonSerializer.SerializeToNode(result.Event, result.Event.GetType(), WireJson.Options),
        });

    private static ResultEnvelope Decode(byte[] value)
    {
        var node = JsonNode.Parse(value)!;
        var body = node["event"]!;
        return node["type"]!.GetValue<string>() == nameof(CompletionFailed)
            ? ResultEnvelope.Of(body.Deserialize<CompletionFailed>(WireJson.Options)!)
            : ResultEnvelope.Of(body.Deserialize<CompletionSucceeded>(WireJson.Options)!);
    }

    [LoggerMessage(EventId = 1630, Level = LogLevel.Warning, Message = "Idempotency record {Operation} failed in Redis ({Error})")]
    private static partial void LogFailed(ILogger logger, string operation, string error);
}
