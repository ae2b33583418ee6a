using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;

namespace PromptQueue.Bench;

/// <summary>The provider alone: the same chat completion calls, over a pool of the worker's size, with no queue in front.</summary>
public static class DirectProviderCalls
{
    public static async Task<Measurement> RunAsync(Uri providerApi, int count, int concurrency, int maxConnections)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = providerApi,
        };
        var latencies = new ConcurrentBag<double>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async caller =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                latencies.Add(await CallAsync(http, i));
            }
        }));
        return Measurement.Of($"direct provider calls x{concurrency}", count, clock.Elapsed, latencies);
    }

    /// <summary>One chat completion like the bench's bypass requests; returns its latency in milliseconds.</summary>
    public static async Task<double> CallAsync(HttpClient http, int i)
    {
        var t0 = Stopwatch.GetTimestamp();
        using var response = await http.PostAsJsonAsync("chat/completions", new
        {
            model = "sim-small",
            max_tokens = 128,
            temperature = 0,
            messages = new object[]
            {
                new { role = "system", content = "Answer in one short paragraph." },
                new { role = "user", content = $"Bench question {i}: why do export jobs time out?" },
            },
        });
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadAsByteArrayAsync();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
}
