using System.Collections.Concurrent;
using PromptQueue.Contracts;
using PromptQueue.Worker.Redis;
using StackExchange.Redis;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// Counts deliveries of redelivered requests. RabbitMQ's classic queues only flag a redelivery (no count), and a
/// message that crashes its worker is redelivered to another replica, so the count lives in Redis by tenant +
/// RequestId (one INCR, only for redelivered messages); while Redis is down, in process.
/// </summary>
public sealed partial class DeliveryCounter(RedisConnection redis, ILogger<DeliveryCounter> logger)
{
    private static readonly TimeSpan Remember = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<string, int> _local = new(StringComparer.Ordinal);

    /// <summary>This delivery's number (2 for the first redelivery), counting every replica's deliveries while Redis is up.</summary>
    public async Task<int> RedeliveredAsync(CompletionRequest request)
    {
        var key = redis.Keys.Deliveries(request.TenantId, request.RequestId);
        var local = _local.AddOrUpdate(key.ToString(), 2, (_, n) => n + 1);
        if (redis.Database is { } db)
        {
            try
            {
                var redeliveries = await db.StringIncrementAsync(key);
                db.KeyExpire(key, Remember, CommandFlags.FireAndForget);
                return (int)Math.Max(redeliveries + 1, local);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogCountFailed(logger, ex.GetType().Name);
            }
        }

        return local;
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "Counting a redelivery in Redis failed ({Error}); counted in this worker only")]
    private static partial void LogCountFailed(ILogger logger, string error);
}

/// <summary>A request delivered too often; MassTransit moves it to the error queue with this message as the reason.</summary>
public sealed class PoisonMessageException(string message) : Exception(message);
