using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Redis;
using StackExchange.Redis;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// One provider call per exact prompt in flight, across every replica: the first request takes a lock (in process,
/// then <c>SET NX PX</c> in Redis); the others wait for its answer to appear in the cache, up to
/// <see cref="CacheOptions.SingleFlightWait"/>, and then call the provider themselves. The lock expires on its own
/// if its holder dies. Without Redis only this worker's flights are shared.
/// </summary>
public sealed class SingleFlight(
    IOptions<CacheOptions> options,
    ResponseCache cache,
    RedisConnection redis,
    WorkerMetrics metrics,
    TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _local = new(StringComparer.Ordinal);

    /// <summary>
    /// Either a flight this request leads (dispose it once the answer is stored) or the answer another flight
    /// produced; a flight that times out waiting comes back as a lead without the lock.
    /// </summary>
    public async Task<Flight> JoinAsync(string exactKey, string requestId, CancellationToken cancellationToken)
    {
        var wait = options.Value.SingleFlightWait;
        var deadline = time.GetUtcNow() + wait;
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (true)
        {
            var current = _local.GetOrAdd(exactKey, mine);
            if (ReferenceEquals(current, mine))
            {
                break;
            }

            // Another request of this worker is calling: wait for it, then read what it stored.
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero || !await Completes(current.Task, remaining, cancellationToken))
            {
                metrics.SingleFlight("timeout");
                return new Flight(null, () => { });
            }

            if (await cache.GetStoredAsync(exactKey) is { } answer)
            {
                metrics.SingleFlight("shared");
                return new Flight(answer, () => { });
            }
        }

        void ReleaseLocal()
        {
            _local.TryRemove(KeyValuePair.Create(exactKey, mine));
            mine.TrySetResult();
        }

        if (redis.Database is not { } db)
        {
            return await LeadAsync(new Flight(null, ReleaseLocal));
        }

        var lockKey = redis.Keys.Flight(exactKey);
        try
        {
            while (!await db.StringSetAsync(lockKey, requestId, wait, When.NotExists))
            {
                // Another replica is calling: poll the cache until its answer lands or its lock goes.
                if (time.GetUtcNow() >= deadline)
                {
                    metrics.SingleFlight("timeout");
                    return new Flight(null, ReleaseLocal);
                }

                await Task.Delay(PollInterval, time, cancellationToken);
                if (await cache.GetStoredAsync(exactKey) is { } answer)
                {
                    metrics.SingleFlight("shared");
                    ReleaseLocal();
                    return new Flight(answer, () => { });
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.CacheError("flight");
            return new Flight(null, ReleaseLocal);
        }
        catch
        {
            ReleaseLocal();
            throw;
        }

        return await LeadAsync(new Flight(null, () =>
        {
            ReleaseLocal();
            // Only our own lock: compare and delete in one step.
            db.ScriptEvaluate("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
                [lockKey], [requestId], CommandFlags.FireAndForget);
        }));

        // The lock is ours, but the previous holder may have stored its answer between our cache miss and now.
        async Task<Flight> LeadAsync(Flight lead)
        {
            if (await cache.GetStoredAsync(exactKey) is { } stored)
            {
                lead.Dispose();
                metrics.SingleFlight("shared");
                return new Flight(stored, () => { });
            }

            metrics.SingleFlight("lead");
            return lead;
        }
    }

    private static async Task<bool> Completes(Task task, TimeSpan within, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(within, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}

/// <summary>The outcome of joining a flight: an answer someone else produced, or the duty to call (then dispose).</summary>
public sealed class Flight(CachedAnswer? answer, Action release) : IDisposable
{
    public CachedAnswer? Answer { get; } = answer;

    public void Dispose() => release();
}
