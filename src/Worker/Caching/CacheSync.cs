using Microsoft.Extensions.Options;
using PromptQueue.Worker.Redis;
using StackExchange.Redis;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// Keeps this worker's L1 and semantic indexes in step with the other replicas: every store and invalidation is
/// appended to a Redis stream, and each worker reads the stream every <see cref="CacheOptions.SyncInterval"/>
/// (StackExchange.Redis does not issue blocking XREAD on its shared connection, so this polls). A stream, unlike
/// pub/sub, keeps what a worker missed during a short disconnection; after a lost connection the loaded
/// scopes are also loaded again in full on their next use.
/// </summary>
public sealed partial class CacheSync(
    ResponseCache cache,
    RedisConnection redis,
    IOptions<CacheOptions> options,
    TimeProvider time,
    ILogger<CacheSync> logger) : BackgroundService
{
    private RedisValue _position = RedisValue.Null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!cache.Enabled || !redis.IsConfigured)
        {
            return;
        }

        redis.Restored += cache.ForgetLoadedScopes;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSyncFailed(logger, ex.GetType().Name);
            }

            await Task.Delay(options.Value.SyncInterval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Reads and applies the changes since the last poll; returns how many were read.</summary>
    internal async Task<int> PollAsync()
    {
        if (redis.Database is not { } db)
        {
            return 0;
        }

        if (_position.IsNull)
        {
            // Start after the newest change: what came before is in Redis and loads with its scope.
            var newest = await db.StreamRangeAsync(redis.Keys.Changes, "-", "+", count: 1, messageOrder: Order.Descending);
            _position = newest.Length > 0 ? newest[0].Id : "0-0";
            return 0;
        }

        var read = 0;
        while (true)
        {
            var entries = await db.StreamReadAsync(redis.Keys.Changes, _position, count: 1000);
            foreach (var entry in entries)
            {
                _position = entry.Id;
                if (entry["o"] == cache.InstanceId)
                {
                    continue;
                }

                cache.Apply(entry["op"].ToString(), entry["s"].ToString(), entry["k"].ToString(), entry["v"].IsNull ? null : (byte[])entry["v"]!);
            }

            read += entries.Length;
            if (entries.Length < 1000)
            {
                return read;
            }
        }
    }

    [LoggerMessage(EventId = 1620, Level = LogLevel.Warning, Message = "Reading the cache change stream failed ({Error}); retrying")]
    private static partial void LogSyncFailed(ILogger logger, string error);
}
