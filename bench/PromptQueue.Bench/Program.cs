using System.Globalization;
using System.Text.Json;
using PromptQueue.Bench;
using PromptQueue.Bench.Cache;
using PromptQueue.Contracts;
using PromptQueue.Producer.Sample;
using Spectre.Console;

// Runs against the broker, simulator and worker that scripts/bench starts.
// Arguments: count concurrency maxConnections | semantic count batchSize questions.jsonl.gz
var broker = new Uri(Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_URI") ?? "amqp://guest:guest@127.0.0.1:5672/");
if (args.Length > 0 && args[0] == "suite")
{
    // suite repoRoot pairs.jsonl.gz docs/benchmarks.md logDirectory [quick]: every workload, side by side (scripts/bench-suite)
    var quick = args.Length > 5 && args[5] == "quick";
    var services = new PromptQueue.Bench.Suite.SuiteServices(args[1], broker, Environment.GetEnvironmentVariable("PROMPTQUEUE_REDIS") ?? "127.0.0.1:6379", args[4]);
    var results = await new PromptQueue.Bench.Suite.SuiteRunner(services, args[2], quick ? PromptQueue.Bench.Suite.SuiteSize.Quick : new PromptQueue.Bench.Suite.SuiteSize()).RunAsync();
    PromptQueue.Bench.Suite.SuiteReport.Print(results);
    if (!quick)
    {
        PromptQueue.Bench.Suite.SuitePlots.Write(results, Path.Combine(Path.GetDirectoryName(args[3])!, Path.GetFileNameWithoutExtension(args[3])));
        PromptQueue.Bench.Suite.SuiteReport.WriteMarkdown(results, args[3], "scripts/bench-suite");
        AnsiConsole.MarkupLine($"wrote {args[3]} and its plots");
    }
    else
    {
        var plots = Path.Combine(args[4], "plots");
        PromptQueue.Bench.Suite.SuitePlots.Write(results, plots);
        PromptQueue.Bench.Suite.SuiteReport.WriteMarkdown(results, Path.Combine(args[4], "benchmarks.md"), "scripts/bench-suite quick");
        AnsiConsole.MarkupLine($"quick run: report and plots in {args[4]} (docs/benchmarks.md untouched)");
    }

    return 0;
}

if (args.Length > 0 && args[0] == "cache")
{
    // cache pairs.jsonl.gz pairLimit redisConfiguration
    await CacheBench.RunAsync(broker, args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
    return 0;
}

if (args.Length > 0 && args[0] == "concurrency")
{
    // concurrency count concurrency latencySeconds simulatorBase workerPid
    var w4 = await ConcurrencyBench.RunAsync(broker, new Uri(args[4]), int.Parse(args[5], CultureInfo.InvariantCulture), int.Parse(args[1], CultureInfo.InvariantCulture),
        int.Parse(args[2], CultureInfo.InvariantCulture), double.Parse(args[3], CultureInfo.InvariantCulture));
    ConcurrencyBench.Print(w4, int.Parse(args[2], CultureInfo.InvariantCulture));
    return 0;
}

if (args.Length > 0 && args[0] == "priority")
{
    // priority backlogCount urgentCount
    PriorityBench.Print(await PriorityBench.RunAsync(broker, int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture)));
    return 0;
}

if (args.Length > 0 && args[0] == "semantic")
{
    var (embedding, semantic, withoutEmbedding) = await SemanticPathBench.RunAsync(broker, args[3], int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
    var semanticTable = new Table().AddColumns("path", "requests", "seconds", "per second");
    foreach (var m in new[] { embedding, semantic, withoutEmbedding })
    {
        semanticTable.AddRow(m.Name, m.Count.ToString(CultureInfo.InvariantCulture), F(m.Seconds), F(m.PerSecond));
    }

    AnsiConsole.Write(semanticTable);
    AnsiConsole.MarkupLine($"throughput, worker with the semantic path / raw embedding: [bold]{semantic.PerSecond / embedding.PerSecond:0.00}[/]");
    // If embedding and the rest of the pipeline shared the cores perfectly, per-request costs would simply add up.
    var bound = 1 / ((1 / embedding.PerSecond) + (1 / withoutEmbedding.PerSecond));
    AnsiConsole.MarkupLine($"ceiling on this machine (embedding cost + the rest of the pipeline's, added): {bound:0.0}/s = [bold]{bound / embedding.PerSecond:0.00}[/] of raw embedding; reached: [bold]{semantic.PerSecond / bound:0.00}[/] of that ceiling");
    return 0;
}

var providerApi = new Uri(Environment.GetEnvironmentVariable("BENCH_PROVIDER_API") ?? "http://127.0.0.1:5199/v1/");
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
var maxConnections = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
const int PacedCount = 300;
const double PacedRate = 50;

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
return 0;

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

static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
