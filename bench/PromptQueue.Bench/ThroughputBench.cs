using System.Globalization;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Producer.Sample;
using Spectre.Console;

namespace PromptQueue.Bench;

/// <summary>
/// scripts/bench's default run: a raw broker round trip, direct provider calls and the worker path, first as a
/// backlog drained as fast as possible, then paced well below capacity for latency without a backlog.
/// </summary>
public static class ThroughputBench
{
    private const int PacedCount = 300;
    private const double PacedRate = 50;

    public static async Task RunAsync(Uri broker, Uri providerApi, int count, int concurrency, int maxConnections)
    {
        var sample = new CompletionRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            TenantId = "bench",
            Model = "sim-small",
            // The path's overhead, not the cache's: every request goes to the provider (and nothing is embedded).
            CachePolicy = CachePolicy.Bypass,
            Messages = [new ChatMessage { Role = "system", Content = "Answer in one short paragraph." }, new ChatMessage { Role = "user", Content = "Bench question: why do export jobs time out?" }],
            MaxTokens = 128,
        };
        var requestBytes = JsonSerializer.SerializeToUtf8Bytes(sample, WireJson.Options);
        var replyBytes = new byte[700]; // a typical CompletionSucceeded event

        AnsiConsole.MarkupLine($"[bold]PromptQueue bench[/]: backlog of {count} requests (lane concurrency {concurrency}, {maxConnections} provider connections), then {PacedCount} requests at {PacedRate:0}/s");

        // Throughput: everything published at once, drained as fast as possible.
        var rawBacklog = await RawBrokerRoundTrip.RunAsync(broker, count, concurrency, 0, requestBytes, replyBytes);
        var directParallel = await DirectProviderCalls.RunAsync(providerApi, count, concurrency, maxConnections);
        var workerBacklog = await WorkerAsync(count, 0, "PromptQueue worker, backlog");

        // Latency without a backlog: paced well below capacity.
        var rawPaced = await RawBrokerRoundTrip.RunAsync(broker, PacedCount, concurrency, PacedRate, requestBytes, replyBytes);
        var directSequential = await DirectProviderCalls.RunAsync(providerApi, PacedCount, 1, maxConnections);
        var workerPaced = await WorkerAsync(PacedCount, PacedRate, $"PromptQueue worker at {PacedRate:0}/s");

        var table = new Table().AddColumns("path", "requests", "seconds", "per second", "p50 ms", "p95 ms", "p99 ms");
        foreach (var m in new[] { rawBacklog, directParallel, workerBacklog, rawPaced, directSequential, workerPaced })
        {
            table.AddRow(m.Name, m.Count.ToString(CultureInfo.InvariantCulture), F(m.Seconds), F(m.PerSecond), F(m.LatencyMs.P50), F(m.LatencyMs.P95), F(m.LatencyMs.P99));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"throughput, worker / raw broker round trip: [bold]{workerBacklog.PerSecond / rawBacklog.PerSecond:0.00}[/]");
        AnsiConsole.MarkupLine($"throughput, worker / direct provider calls: [bold]{workerBacklog.PerSecond / directParallel.PerSecond:0.00}[/]");
        AnsiConsole.MarkupLine($"p50 latency at {PacedRate:0}/s, worker - raw broker - direct provider: [bold]{workerPaced.LatencyMs.P50 - rawPaced.LatencyMs.P50 - directSequential.LatencyMs.P50:0.0} ms[/] (the batch window is part of it)");

        async Task<Measurement> WorkerAsync(int n, double rate, string name)
        {
            var settings = new ProducerSettings { RabbitMqUri = broker, Count = n, Rate = rate, Tenant = "bench", Mix = PriorityMix.Parse("normal=1"), Quiet = true };
            var requests = Enumerable.Range(0, n)
                .Select(i => sample with { RequestId = $"bench-{Guid.NewGuid():N}", Messages = [sample.Messages[0], new ChatMessage { Role = "user", Content = $"Bench question {i}: why do export jobs time out?" }] })
                .ToList();
            var run = await new ProducerRun(settings, TimeProvider.System).RunAsync(requests, CancellationToken.None);
            run.EnsureComplete(name);
            return new Measurement(name, run.Received, run.ElapsedSeconds, run.ThroughputPerSecond, run.EndToEndMs);
        }
    }

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
