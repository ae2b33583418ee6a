using System.CommandLine;
using System.Globalization;
using PromptQueue.Bench;
using PromptQueue.Bench.Cache;
using PromptQueue.Bench.Suite;
using Spectre.Console;

// Runs against the broker, simulator and worker that scripts/bench starts (scripts/bench-suite: the suite starts its own).
var broker = new Uri(Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_URI") ?? "amqp://guest:guest@127.0.0.1:5672/");

var count = new Argument<int>("count") { Description = "Requests in the backlog", DefaultValueFactory = _ => 5000 };
var concurrency = new Argument<int>("concurrency") { Description = "Lane concurrency the worker runs with", DefaultValueFactory = _ => 16 };
var maxConnections = new Argument<int>("maxConnections") { Description = "Provider connections", DefaultValueFactory = _ => 10 };
var root = new RootCommand("PromptQueue benchmarks: the raw broker round trip, direct provider calls and the worker path side by side (scripts/bench).")
{
    count, concurrency, maxConnections,
};
root.SetAction(async (parsed, _) =>
{
    var providerApi = new Uri(Environment.GetEnvironmentVariable("BENCH_PROVIDER_API") ?? "http://127.0.0.1:5199/v1/");
    await ThroughputBench.RunAsync(broker, providerApi, parsed.GetValue(count), parsed.GetValue(concurrency), parsed.GetValue(maxConnections));
    return 0;
});

var repoRoot = new Argument<string>("repoRoot") { Description = "The repository, whose Release builds the suite starts" };
var suitePairs = new Argument<string>("pairs") { Description = "Labelled pairs (gzip JSONL) for W1s and W2" };
var report = new Argument<string>("report") { Description = "docs/benchmarks.md, rewritten by a full run" };
var logDirectory = new Argument<string>("logDirectory") { Description = "Where the services' logs (and a quick run's report) go" };
var mode = new Argument<string>("mode") { Description = "quick: small sizes, report and plots in the log directory; anything else: the full sizes", DefaultValueFactory = _ => "full" };
var suite = new Command("suite", "Every workload next to its reference (scripts/bench-suite)") { repoRoot, suitePairs, report, logDirectory, mode };
suite.SetAction(async (parsed, _) =>
{
    await SuiteAsync(parsed.GetValue(repoRoot)!, parsed.GetValue(suitePairs)!, parsed.GetValue(report)!, parsed.GetValue(logDirectory)!, parsed.GetValue(mode) == "quick");
    return 0;
});

var cachePairs = new Argument<string>("pairs") { Description = "Labelled pairs (gzip JSONL)" };
var pairLimit = new Argument<int>("pairLimit") { Description = "Pairs taken from the file (every ⌊n / limit⌋-th; 0: all)" };
var redis = new Argument<string>("redisConfiguration") { Description = "StackExchange.Redis configuration string" };
var cache = new Command("cache", "The response cache: GPTCache protocol, lookup latency and recall, memory, end to end") { cachePairs, pairLimit, redis };
cache.SetAction(async (parsed, _) =>
{
    await CacheBench.RunAsync(broker, parsed.GetValue(cachePairs)!, parsed.GetValue(pairLimit), parsed.GetValue(redis)!);
    return 0;
});

var w4Count = new Argument<int>("count") { Description = "Requests" };
var w4Concurrency = new Argument<int>("concurrency") { Description = "Lane concurrency and provider connections" };
var latency = new Argument<double>("latencySeconds") { Description = "The simulator's latency" };
var simulator = new Argument<string>("simulatorBase") { Description = "The simulator's base URL" };
var workerPid = new Argument<int>("workerPid") { Description = "The worker's process id, for its resident memory" };
var concurrencyBench = new Command("concurrency", "W4: wall time against the ideal, connections opened, worker peak RSS") { w4Count, w4Concurrency, latency, simulator, workerPid };
concurrencyBench.SetAction(async (parsed, _) =>
{
    var w4 = await ConcurrencyBench.RunAsync(broker, new Uri(parsed.GetValue(simulator)!), parsed.GetValue(workerPid), parsed.GetValue(w4Count), parsed.GetValue(w4Concurrency), parsed.GetValue(latency));
    ConcurrencyBench.Print(w4, parsed.GetValue(w4Concurrency));
    return 0;
});

var backlog = new Argument<int>("backlogCount") { Description = "Priority-0 requests published first" };
var urgent = new Argument<int>("urgentCount") { Description = "Priority-9 requests published behind them" };
var priority = new Command("priority", "W3: urgent requests' queue wait behind a backlog, against FIFO") { backlog, urgent };
priority.SetAction(async (parsed, _) =>
{
    PriorityBench.Print(await PriorityBench.RunAsync(broker, parsed.GetValue(backlog), parsed.GetValue(urgent)));
    return 0;
});

var semanticCount = new Argument<int>("count") { Description = "Distinct questions" };
var batchSize = new Argument<int>("batchSize") { Description = "Embedding batch (the lane's BatchMaxSize)" };
var questions = new Argument<string>("questions") { Description = "Labelled pairs (gzip JSONL) the questions come from" };
var semantic = new Command("semantic", "Raw embedding throughput against the worker with the semantic path on, every request a miss") { semanticCount, batchSize, questions };
semantic.SetAction(async (parsed, _) =>
{
    await SemanticAsync(parsed.GetValue(questions)!, parsed.GetValue(semanticCount), parsed.GetValue(batchSize));
    return 0;
});

root.Add(suite);
root.Add(cache);
root.Add(concurrencyBench);
root.Add(priority);
root.Add(semantic);
return await root.Parse(args).InvokeAsync();

async Task SuiteAsync(string repository, string pairs, string markdown, string logs, bool quick)
{
    // scripts/bench-suite publishes the workers with ReadyToRun into {logs}/publish (what the Dockerfile ships).
    var services = new SuiteServices(repository, broker, Environment.GetEnvironmentVariable("PROMPTQUEUE_REDIS") ?? "127.0.0.1:6379", logs, Path.Combine(logs, "publish"));
    var results = await new SuiteRunner(services, pairs, quick ? SuiteSize.Quick : new SuiteSize()).RunAsync();
    SuiteReport.Print(results);
    if (!quick)
    {
        SuitePlots.Write(results, Path.Combine(Path.GetDirectoryName(markdown)!, Path.GetFileNameWithoutExtension(markdown)));
        SuiteReport.WriteMarkdown(results, markdown, "scripts/bench-suite");
        AnsiConsole.MarkupLine($"wrote {markdown} and its plots");
    }
    else
    {
        var plots = Path.Combine(logs, "plots");
        SuitePlots.Write(results, plots);
        SuiteReport.WriteMarkdown(results, Path.Combine(logs, "benchmarks.md"), "scripts/bench-suite quick");
        AnsiConsole.MarkupLine($"quick run: report and plots in {logs} (docs/benchmarks.md untouched)");
    }
}

async Task SemanticAsync(string questionsPath, int questionCount, int batch)
{
    var (embedding, semanticPath, withoutEmbedding) = await SemanticPathBench.RunAsync(broker, questionsPath, questionCount, batch);
    var semanticTable = new Table().AddColumns("path", "requests", "seconds", "per second");
    foreach (var m in new[] { embedding, semanticPath, withoutEmbedding })
    {
        semanticTable.AddRow(m.Name, m.Count.ToString(CultureInfo.InvariantCulture), F(m.Seconds), F(m.PerSecond));
    }

    AnsiConsole.Write(semanticTable);
    AnsiConsole.MarkupLine($"throughput, worker with the semantic path / raw embedding: [bold]{semanticPath.PerSecond / embedding.PerSecond:0.00}[/]");
    // If embedding and the rest of the pipeline shared the cores perfectly, per-request costs would simply add up.
    var bound = 1 / ((1 / embedding.PerSecond) + (1 / withoutEmbedding.PerSecond));
    AnsiConsole.MarkupLine($"ceiling on this machine (embedding cost + the rest of the pipeline's, added): {bound:0.0}/s = [bold]{bound / embedding.PerSecond:0.00}[/] of raw embedding; reached: [bold]{semanticPath.PerSecond / bound:0.00}[/] of that ceiling");
}

static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
