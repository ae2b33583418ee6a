using System.Diagnostics;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Producer.Sample;
using Spectre.Console;

namespace PromptQueue.Bench.Suite;

/// <summary>
/// Runs every workload of issue 8 one after the other on this machine, each next to its reference: the broker
/// ceiling and the embedding ceiling (in this process), the plain MassTransit worker, and the PromptQueue worker with
/// the simulator set up for the workload.
/// </summary>
public sealed class SuiteRunner(SuiteServices services, string pairsPath, SuiteSize size)
{
    private const int W1Concurrency = 128;
    private const int W1Batch = 32;
    private const int W1Connections = 64;
    private const int EmbeddingBatch = 32;

    public async Task<SuiteResults> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var machine = MachineDescription.Read(services);
        await services.PurgeDefaultLaneAsync();

        // Embedding ceiling, measured before and after the worker workloads (the machine drifts; the mean is used).
        var questions = SemanticPathBench.DistinctQuestions(pairsPath, size.W1sRequests);
        Step($"embedding ceiling: {questions.Count:N0} questions, batches of {EmbeddingBatch}");
        var embeddingBefore = SemanticPathBench.RawEmbedding(questions, EmbeddingBatch);

        // Every throughput path is measured warm (a long-running worker's steady state): one pass to warm up (JIT
        // tiers, connection pools, the adaptive provider limit), then the measured pass. The cold pass is reported too.
        Step($"broker ceiling: {size.W1Requests:N0} round trips, prefetch {W1Concurrency} (after a warm-up pass)");
        // Priority 0 throughout, like W1's requests.
        await RawBrokerRoundTrip.RunAsync(services.Broker, size.W1Requests / 4, W1Concurrency, 0, SampleRequestBytes(), new byte[700], mixedPriorities: false);
        var broker = await RawBrokerRoundTrip.RunAsync(services.Broker, size.W1Requests, W1Concurrency, 0, SampleRequestBytes(), new byte[700], mixedPriorities: false);

        Measurement w1, w1Cold, w1s, w1Plain, w1PlainCold;
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 0))
        {
            await using (var worker = await services.StartWorkerAsync("worker-w1", W1Concurrency, W1Batch, W1Connections))
            {
                Step($"W1: {size.W1Requests:N0} bypass requests through PromptQueue, cold, then warm");
                w1Cold = await BacklogAsync("PromptQueue, cache bypass, first pass (cold worker)", BypassRequests("bench-w1", size.W1Requests));
                w1 = await BacklogAsync("PromptQueue, cache bypass", BypassRequests("bench-w1", size.W1Requests));
                Step($"W1s: {questions.Count:N0} cacheable misses through PromptQueue");
                w1s = await BacklogAsync("PromptQueue, every request embedded (all misses)", SemanticPathBench.QuestionRequests($"bench-w1s-{Guid.NewGuid():N}"[..20], questions));
            }

            await using (var plain = await services.StartPlainWorkerAsync(W1Concurrency))
            {
                Step($"W1: {size.W1Requests:N0} requests through the plain worker, cold, then warm");
                w1PlainCold = await BacklogAsync("plain MassTransit worker, first pass (cold)", BypassRequests("bench-w1p", size.W1Requests));
                w1Plain = await BacklogAsync("plain MassTransit worker", BypassRequests("bench-w1p", size.W1Requests));
            }
        }

        var embeddingAfter = SemanticPathBench.RawEmbedding(questions, EmbeddingBatch);

        // W2: the same provider quota (concurrency) for both workers, enforced by the simulator too.
        var traffic = new W2Traffic(pairsPath, (int)(size.W2MaxRate * size.W2Trial.TotalSeconds) + 1);
        var search = new SustainableRate(services, traffic, size.W2Trial, p99BoundMs: 3000);
        IReadOnlyList<RateTrial> plainTrials, promptQueueTrials;
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 550, perTokenMs: 5, jitterMs: 150, maxConcurrency: size.W2Quota))
        {
            var nominal = size.W2Quota / 0.8;
            await using (var plain = await services.StartPlainWorkerAsync(size.W2Quota))
            {
                Step($"W2: plain worker, provider quota {size.W2Quota} calls at once");
                plainTrials = await search.SearchAsync("plain", plain, Math.Round(nominal * 0.75, 1), size.W2Bisections, Report);
            }

            await using (var worker = await services.StartWorkerAsync("worker-w2", W1Concurrency, W1Batch, size.W2Quota))
            {
                Step($"W2: PromptQueue, provider quota {size.W2Quota} calls at once");
                var start = SuiteResults.Sustained(plainTrials)?.Rate ?? nominal;
                promptQueueTrials = await search.SearchAsync("promptqueue", worker, start, size.W2Bisections, Report);
            }
        }

        await services.PurgeDefaultLaneAsync();
        PriorityBench.Result w3;
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 20))
        await using (var worker = await services.StartWorkerAsync("worker-w3", 16, 16, 16))
        {
            Step($"W3: {size.W3Backlog:N0} priority-0 requests, then {size.W3Urgent} priority-9");
            w3 = await PriorityBench.RunAsync(services.Broker, size.W3Backlog, size.W3Urgent);
        }

        ConcurrencyBench.Result w4;
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 2000))
        // The lane holds a quarter more requests than there are provider connections, so the next ones are embedded and
        // waiting when a call ends; the provider concurrency (the ideal's) stays the connection limit.
        await using (var worker = await services.StartWorkerAsync("worker-w4", size.W4Concurrency * 5 / 4, 32, size.W4Concurrency))
        {
            Step($"W4: {size.W4Requests:N0} requests, provider at 2 s, {size.W4Concurrency} provider connections (lane holds {size.W4Concurrency * 5 / 4})");
            w4 = await ConcurrencyBench.RunAsync(services.Broker, services.Simulator, worker.Id, size.W4Requests, size.W4Concurrency, 2.0);
        }

        return new SuiteResults
        {
            Machine = machine,
            BrokerCeiling = broker,
            EmbeddingBefore = embeddingBefore,
            EmbeddingAfter = embeddingAfter,
            W1 = w1,
            W1Cold = w1Cold,
            W1Plain = w1Plain,
            W1PlainCold = w1PlainCold,
            W1s = w1s,
            W2Quota = size.W2Quota,
            W2Plain = plainTrials,
            W2PromptQueue = promptQueueTrials,
            W3 = w3,
            W4 = w4,
            Duration = clock.Elapsed,
        };
    }

    private async Task<Measurement> BacklogAsync(string name, List<CompletionRequest> requests)
    {
        var tenant = requests[0].TenantId;
        var run = await new ProducerRun(new ProducerSettings { RabbitMqUri = services.Broker, Count = requests.Count, Tenant = tenant, Quiet = true, Timeout = TimeSpan.FromMinutes(5) }, TimeProvider.System)
            .RunAsync(requests, CancellationToken.None);
        run.EnsureComplete(name);
        return new Measurement(name, run.Received, run.ElapsedSeconds, run.ThroughputPerSecond, run.EndToEndMs);
    }

    private static List<CompletionRequest> BypassRequests(string tenant, int count)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        return [.. Enumerable.Range(0, count).Select(i => new CompletionRequest
        {
            RequestId = $"{tenant}-{runId}-{i}",
            TenantId = tenant,
            Model = "sim-small",
            CachePolicy = CachePolicy.Bypass,
            MaxTokens = 128,
            Messages = [new ChatMessage { Role = "system", Content = "Answer in one short paragraph." }, new ChatMessage { Role = "user", Content = $"Bench question {i}: why do export jobs time out?" }],
        })];
    }

    private static byte[] SampleRequestBytes() =>
        JsonSerializer.SerializeToUtf8Bytes(BypassRequests("bench", 1)[0], WireJson.Options);

    private static void Report(RateTrial trial) =>
        AnsiConsole.MarkupLine($"    {trial.Rate,6:0.0}/s × {trial.Requests,5}: p99 {trial.EndToEndMs.P99,7:0} ms, {trial.Answered - trial.Failed} ok / {trial.Failed} failed, " +
            $"{trial.CallsPerRequest:0.00} calls/request, {trial.CpuSecondsPerRequest * 1000:0.0} ms CPU/request → {(trial.Passed ? "[green]sustained[/]" : "[red]not sustained[/]")}");

    private static void Step(string text) => AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(text)}");
}

/// <summary>How big each workload is: the issue's sizes by default, smaller for a quick check of the suite itself.</summary>
public sealed record SuiteSize
{
    public int W1Requests { get; init; } = 20_000;

    public int W1sRequests { get; init; } = 5_000;

    public int W2Quota { get; init; } = 16;

    /// <summary>Long enough that a rate ~5 % above capacity builds a backlog that breaks the p99 bound within the trial.</summary>
    public TimeSpan W2Trial { get; init; } = TimeSpan.FromSeconds(45);

    public double W2MaxRate { get; init; } = 200;

    public int W2Bisections { get; init; } = 2;

    public int W3Backlog { get; init; } = 10_000;

    public int W3Urgent { get; init; } = 100;

    public int W4Requests { get; init; } = 2_000;

    public int W4Concurrency { get; init; } = 64;

    public static SuiteSize Quick { get; } = new()
    {
        W1Requests = 2_000, W1sRequests = 500, W2Trial = TimeSpan.FromSeconds(10), W2Bisections = 0, W3Backlog = 1_000, W3Urgent = 20, W4Requests = 200,
    };
}
