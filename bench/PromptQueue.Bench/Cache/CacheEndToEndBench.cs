using PromptQueue.Contracts;
using PromptQueue.Datasets;
using PromptQueue.Producer.Sample;
using Spectre.Console;

namespace PromptQueue.Bench.Cache;

/// <summary>Exact hits, semantic hits and provider calls through the running worker and simulator, paced, in one run.</summary>
/// <remarks>The pairs are duplicates whose second question hit the first in the protocol run, so the third row is semantic hits.</remarks>
internal static class CacheEndToEndBench
{
    public static async Task RunAsync(Uri broker, List<LabelledPair> pairs)
    {
        var count = Math.Min(150, pairs.Count);
        var tenant = $"bench-cache-{Guid.NewGuid():N}";
        var duplicates = pairs.Take(count).ToList();
        var phases = new (string Name, Func<LabelledPair, string> Text)[]
        {
            ("provider call (cache miss)", p => p.A),
            ("exact hit (same prompt again)", p => p.A),
            ("semantic hit (the paraphrase)", p => p.B),
        };
        var table = new Table().AddColumns("requests", "sources", "e2e p50 ms", "e2e p99 ms", "p50 / provider p50");
        double? providerP50 = null;
        // Warm-up (another tenant): the worker's first requests open provider connections and JIT the path.
        await new ProducerRun(new ProducerSettings { RabbitMqUri = broker, Count = 60, Rate = 30, Tenant = $"{tenant}-warmup", Mix = PriorityMix.Parse("normal=1"), Quiet = true }, TimeProvider.System)
            .RunAsync([.. pairs.Take(60).Select(p => new CompletionRequest { RequestId = $"warm-{Guid.NewGuid():N}", TenantId = $"{tenant}-warmup", Model = "sim-small", MaxTokens = 64, Messages = [new ChatMessage { Role = "user", Content = p.A }] })], CancellationToken.None);
        foreach (var (name, text) in phases)
        {
            var settings = new ProducerSettings { RabbitMqUri = broker, Count = count, Rate = 30, Tenant = tenant, Mix = PriorityMix.Parse("normal=1"), Quiet = true };
            var requests = duplicates.Select(p => new CompletionRequest
            {
                RequestId = $"cache-{Guid.NewGuid():N}",
                TenantId = tenant,
                Model = "sim-small",
                Temperature = 0,
                MaxTokens = 64,
                Messages = [new ChatMessage { Role = "system", Content = "Answer briefly." }, new ChatMessage { Role = "user", Content = text(p) }],
            }).ToList();
            var run = await new ProducerRun(settings, TimeProvider.System).RunAsync(requests, CancellationToken.None);
            providerP50 ??= run.EndToEndMs.P50;
            var sources = string.Join(", ", run.BySource.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}"));
            table.AddRow(name, sources, CacheBench.F(run.EndToEndMs.P50), CacheBench.F(run.EndToEndMs.P99), $"{run.EndToEndMs.P50 / providerP50:0.000}");
        }

        AnsiConsole.MarkupLine($"\n[bold]End to end through the worker[/] ({count} requests per row at 30/s; simulator latency as scripts/bench cache sets it)");
        AnsiConsole.Write(table);
    }
}
