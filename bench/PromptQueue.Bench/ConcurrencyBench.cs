using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Producer.Sample;
using Spectre.Console;

namespace PromptQueue.Bench;

/// <summary>
/// W4, concurrency: a slow provider (fixed latency), a backlog of unique cacheable requests, and the worker's
/// provider concurrency as the only limit. Wall time against the ideal for that concurrency, TCP connections the
/// simulator accepted against the configured limit, and the worker's peak resident memory with the run's cache
/// entries (L1, index) held.
/// </summary>
public static class ConcurrencyBench
{
    public sealed record Result(int Count, int Concurrency, double LatencySeconds, double WallSeconds, long Connections, long PeakRssBytes, IReadOnlyList<(double Seconds, long Bytes)> RssSamples)
    {
        public double IdealSeconds => Math.Ceiling(Count / (double)Concurrency) * LatencySeconds;

        public double Ratio => WallSeconds / IdealSeconds;
    }

    public static async Task<Result> RunAsync(Uri broker, Uri simulator, int workerPid, int count, int concurrency, double latencySeconds)
    {
        using var http = new HttpClient { BaseAddress = simulator };
        (await http.PostAsync("sim/reset", null)).EnsureSuccessStatusCode();
        // The reset counts connections open at that moment (this client's own): the worker's are what comes after.
        var before = (await http.GetFromJsonAsync<JsonElement>("sim/stats")).GetProperty("connectionsAccepted").GetInt64();
        using var sampling = new CancellationTokenSource();
        var samples = SampleRssAsync(workerPid, sampling.Token);
        var runId = Guid.NewGuid().ToString("N")[..8]; // prompts unique to this run: nothing comes from an earlier run's cache
        // A tenant of its own: the worker loads a tenant's semantic index from Redis, and "the run's cache entries
        // held" must not include an earlier run's.
        var tenant = $"bench-w4-{runId}";
        var requests = Enumerable.Range(0, count).Select(i => new CompletionRequest
        {
            RequestId = $"bench-w4-{Guid.NewGuid():N}",
            TenantId = tenant,
            Model = "sim-small",
            Priority = 5,
            Messages = [new ChatMessage { Role = "user", Content = $"Concurrency run {runId}, request {i}: draft a reply to customer ticket {i * 7919 % 100_000}." }],
            MaxTokens = 64,
        }).ToList();
        var run = await new ProducerRun(new ProducerSettings { RabbitMqUri = broker, Count = count, Tenant = tenant, Quiet = true, Timeout = TimeSpan.FromMinutes(10) }, TimeProvider.System)
            .RunAsync(requests, CancellationToken.None);
        run.EnsureComplete("W4");
        await sampling.CancelAsync();
        var stats = await http.GetFromJsonAsync<JsonElement>("sim/stats");
        var rss = await samples;
        return new Result(count, concurrency, latencySeconds, run.ElapsedSeconds, stats.GetProperty("connectionsAccepted").GetInt64() - before, rss.Max(s => s.Bytes), rss);
    }

    public static void Print(Result result, int connectionLimit)
    {
        var table = new Table().AddColumns("measure", "value", "target");
        table.AddRow("requests / provider concurrency / provider latency", $"{result.Count:N0} / {result.Concurrency} / {result.LatencySeconds:0.0} s", "");
        table.AddRow("wall time / ideal (ceil(n / concurrency) × latency)", $"{result.WallSeconds:0.0} s / {result.IdealSeconds:0.0} s = {result.Ratio:0.00}×", "≤ 1.10×");
        table.AddRow("TCP connections the provider accepted", $"{result.Connections} (limit {connectionLimit})", $"≤ {connectionLimit}");
        table.AddRow("worker peak RSS (cache entries held)", $"{result.PeakRssBytes / 1048576.0:0} MB", "≤ 400 MB");
        AnsiConsole.Write(table);
    }

    /// <summary>The worker's resident memory every 100 ms while the run lasts.</summary>
    private static async Task<List<(double Seconds, long Bytes)>> SampleRssAsync(int pid, CancellationToken cancellationToken)
    {
        var samples = new List<(double, long)>();
        var clock = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested)
        {
            samples.Add((clock.Elapsed.TotalSeconds, Rss(pid)));
            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        samples.Add((clock.Elapsed.TotalSeconds, Rss(pid)));
        return samples;
    }

    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
