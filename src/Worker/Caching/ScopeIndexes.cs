using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Redis;
using StackExchange.Redis;

namespace PromptQueue.Worker.Caching;

/// <summary>
/// This worker's vector index of each scope it serves (Redis 7 here has no vector search): a scope is loaded from its
/// Redis hash on first use (again after an outage), then kept in step by this worker's stores and the change stream
/// of the others (<see cref="CacheSync"/>). Entries in Redis hold the float16 vector and the compared text.
/// </summary>
internal sealed partial class ScopeIndexes(CacheOptions options, RedisConnection redis, WorkerMetrics metrics, ILogger logger)
{
    private readonly ConcurrentDictionary<string, ScopeIndex> _indexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _loads = new(StringComparer.Ordinal);

    /// <summary>The scope's index once its entries are loaded (as far as Redis allows), or null when it has none.</summary>
    public async Task<ScopeIndex?> ForLookupAsync(string scope)
    {
        await EnsureLoadedAsync(scope);
        return _indexes.GetValueOrDefault(scope);
    }

    /// <summary>The scope's index, created empty when new.</summary>
    public ScopeIndex For(string scope) => _indexes.GetOrAdd(scope, _ => new ScopeIndex(options.IndexMaxEntriesPerScope));

    /// <summary>Applies another replica's change (from the stream); only scopes this worker serves are indexed.</summary>
    public void Apply(string op, string scope, string exactKey, byte[]? indexValue)
    {
        if (op == "del")
        {
            Remove(scope, exactKey);
        }
        else if (op == "add" && indexValue is { Length: > 0 } && _indexes.TryGetValue(scope, out var index))
        {
            // Others load in full when a request needs them.
            var (vector, text) = Decode(indexValue);
            index.Upsert(exactKey, vector, text);
        }
    }

    public void Remove(string scope, string exactKey)
    {
        if (_indexes.TryGetValue(scope, out var index))
        {
            index.Remove(exactKey);
        }
    }

    /// <summary>Scopes loaded before Redis went away may have missed changes: they load again on next use.</summary>
    public void ForgetLoads() => _loads.Clear();

    public static byte[] Encode(ReadOnlySpan<float> vector, string text)
    {
        var value = new byte[(ScopeIndex.Dimensions * 2) + Encoding.UTF8.GetByteCount(text)];
        TensorPrimitives.ConvertToHalf(vector, MemoryMarshal.Cast<byte, Half>(value.AsSpan(0, ScopeIndex.Dimensions * 2)));
        Encoding.UTF8.GetBytes(text, value.AsSpan(ScopeIndex.Dimensions * 2));
        return value;
    }

    public static (float[] Vector, string Text) Decode(byte[] value)
    {
        var vector = new float[ScopeIndex.Dimensions];
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(value.AsSpan(0, ScopeIndex.Dimensions * 2)), vector);
        return (vector, Encoding.UTF8.GetString(value.AsSpan(ScopeIndex.Dimensions * 2)));
    }

    private Task EnsureLoadedAsync(string scope)
    {
        For(scope);
        if (redis.Database is null)
        {
            return Task.CompletedTask; // local entries only until Redis is back; the load happens then
        }

        var load = _loads.GetOrAdd(scope, LoadAsync);
        return load.IsCompleted ? Task.CompletedTask : load;
    }

    /// <summary>Never throws: a failed load is forgotten, so the next request of the scope tries again.</summary>
    private async Task LoadAsync(string scope)
    {
        try
        {
            var entries = await redis.Database!.HashGetAllAsync(redis.Keys.Index(scope));
            var index = For(scope);
            foreach (var entry in entries)
            {
                var (vector, text) = Decode(entry.Value!);
                index.Upsert(entry.Name.ToString(), vector, text);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or NullReferenceException)
        {
            metrics.CacheError("load");
            LogLoadFailed(logger, ex.GetType().Name);
            _loads.TryRemove(scope, out _);
        }
    }

    [LoggerMessage(EventId = 1612, Level = LogLevel.Warning, Message = "Redis load failed ({Error}); the request goes on without L2")]
    private static partial void LogLoadFailed(ILogger logger, string error);
}
