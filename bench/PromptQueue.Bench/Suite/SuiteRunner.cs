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
    private const int StartTrials = 3;

    private readonly List<WorkloadLoad> _loads = [];

    public async Task<SuiteResults> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var machine = MachineDescription.Read(services);
        await services.PurgeDefaultLaneAsync();

        // Embedding ceiling, measured before and after the worker workloads (the machine drifts; the mean is used).
        var questions = SemanticPathBench.DistinctQuestions(pairsPath, size.W1sRequests);
        Step($"embedding ceiling: {questions.Count:N0} questions, batches of {EmbeddingBatch}");
        var embeddingBefore = await LoadCheckedAsync("embedding ceiling, before", () => Task.FromResult(SemanticPathBench.RawEmbedding(questions, EmbeddingBatch)));

        // Every throughput path is measured warm (a long-running worker's steady state): one pass to warm up (JIT
        // tiers, connection pools, the adaptive provider limit), then the measured pass. The cold pass is reported too:
        // it is what a new replica does with its first requests.
        Step($"broker ceiling: {size.W1Requests:N0} round trips, prefetch {W1Concurrency} (after a warm-up pass)");
        // Priority 0 throughout, like W1's requests.
        await RawBrokerRoundTrip.RunAsync(services.Broker, size.W1Requests / 4, W1Concurrency, 0, SampleRequestBytes(), new byte[700], mixedPriorities: false);
        var broker = await LoadCheckedAsync("broker ceiling", () =>
            RawBrokerRoundTrip.RunAsync(services.Broker, size.W1Requests, W1Concurrency, 0, SampleRequestBytes(), new byte[700], mixedPriorities: false));

        Measurement w1, w1Cold, w1s, w1Plain, w1PlainCold;
        List<TimeSpan> startupsJit = [], startupsPublished = [];
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 0))
        {
            // Start: the worker started and stopped a few times from each build (the first start of a file also pays
            // for reading it from disk, so both alternate), ready = /health/ready answering.
            Step($"start: the worker {StartTrials} times from the Release build (JIT) and {StartTrials} times from the ReadyToRun publish");
            for (var i = 0; i < StartTrials && services.Published; i++)
            {
                await using (var jit = await services.StartWorkerAsync("worker-start-jit", W1Concurrency, W1Batch, W1Connections, jitBuild: true))
                {
                    startupsJit.Add(jit.Startup);
                }

                await using (var published = await services.StartWorkerAsync("worker-start", W1Concurrency, W1Batch, W1Connections))
                {
                    startupsPublished.Add(published.Startup);
                }
            }

            await using (var worker = await services.StartWorkerAsync("worker-w1", W1Concurrency, W1Batch, W1Connections))
            {
                if (!services.Published)
                {
                    startupsJit.Add(worker.Startup);
                }

                Step($"W1: worker ready {worker.Startup.TotalSeconds:0.00} s after start ({(services.Published ? "ReadyToRun publish" : "Release build, JIT")}); {size.W1Requests:N0} bypass requests through PromptQueue, cold, then warm");
                // The cold pass is what it is: not re-run (a second pass would be warm).
                w1Cold = await LoadCheckedAsync("W1 PromptQueue, first pass (cold)", () => BacklogAsync("PromptQueue, cache bypass, first pass (cold worker)", BypassRequests("bench-w1", size.W1Requests)), rerun: false);
                w1 = await LoadCheckedAsync("W1 PromptQueue", () => BacklogAsync("PromptQueue, cache bypass", BypassRequests("bench-w1", size.W1Requests)));
                Step($"W1s: {questions.Count:N0} cacheable misses through PromptQueue");
                w1s = await LoadCheckedAsync("W1s PromptQueue", () => BacklogAsync("PromptQueue, every request embedded (all misses)", SemanticPathBench.QuestionRequests($"bench-w1s-{Guid.NewGuid():N}"[..20], questions)));
            }

            await using (var plain = await services.StartPlainWorkerAsync(W1Concurrency))
            {
                Step($"W1: {size.W1Requests:N0} requests through the plain worker, cold, then warm");
                w1PlainCold = await LoadCheckedAsync("W1 plain worker, first pass (cold)", () => BacklogAsync("plain MassTransit worker, first pass (cold)", BypassRequests("bench-w1p", size.W1Requests)), rerun: false);
                w1Plain = await LoadCheckedAsync("W1 plain worker", () => BacklogAsync("plain MassTransit worker", BypassRequests("bench-w1p", size.W1Requests)));
            }
        }

        // Overhead at fixed rates against a provider that answers at once: direct calls, then PromptQueue with the batch
        // window at its default and at 0.
        var overhead = new List<OverheadPoint>();
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 0))
        {
            var bench = new OverheadBench(services, size.OverheadTrial);
            var direct = new Dictionary<double, Percentiles>();
            foreach (var rate in size.OverheadRates)
            {
                Step($"overhead: direct calls to the simulator at {rate:N0}/s for {size.OverheadTrial.TotalSeconds:0} s (after a warm-up pass)");
                direct[rate] = await LoadCheckedAsync($"overhead, direct calls at {rate:N0}/s", () => bench.DirectAsync(rate));
            }

            var runs = new Dictionary<(double Rate, bool Zero), OverheadRun>();
            foreach (var zero in new[] { false, true })
            {
                var window = zero ? "0" : "default";
                await using var worker = await services.StartWorkerAsync($"worker-overhead-{(zero ? "window0" : "default")}", W1Concurrency, W1Batch, W1Connections,
                    zero ? new Dictionary<string, string> { ["Messaging__Lanes__default__BatchWindow"] = "00:00:00" } : null);
                foreach (var rate in size.OverheadRates)
                {
                    Step($"overhead: PromptQueue at {rate:N0}/s, batch window {window} (after a warm-up pass)");
                    runs[(rate, zero)] = await LoadCheckedAsync($"overhead, PromptQueue at {rate:N0}/s, window {window}", () => bench.ThroughWorkerAsync(rate, window));
                }
            }

            overhead = [.. size.OverheadRates.Select(rate => new OverheadPoint(rate, direct[rate], runs[(rate, false)], runs[(rate, true)]))];
        }

        var embeddingAfter = await LoadCheckedAsync("embedding ceiling, after", () => Task.FromResult(SemanticPathBench.RawEmbedding(questions, EmbeddingBatch)));

        // W2: the same provider quota (concurrency) for both workers, enforced by the simulator too. Several rounds, each
        // a fresh process per worker (warmed up by the search), plain then PromptQueue; the ratio is per round.
        var traffic = new W2Traffic(pairsPath, (int)(size.W2MaxRate * size.W2Trial.TotalSeconds) + 1);
        var search = new SustainableRate(services, traffic, size.W2Trial, p99BoundMs: 3000);
        var rounds = new List<W2Round>();
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 550, perTokenMs: 5, jitterMs: 150, maxConcurrency: size.W2Quota))
        {
            var nominal = size.W2Quota / 0.8;
            for (var round = 1; round <= size.W2Rounds; round++)
            {
                // The first round climbs coarsely from below the nominal capacity; later ones start just under the
                // first round's result and climb in finer steps.
                var previous = rounds.FirstOrDefault();
                RateSearch plainSearch, promptQueueSearch;
                await using (var plain = await services.StartPlainWorkerAsync(size.W2Quota))
                {
                    Step($"W2 round {round}: plain worker, provider quota {size.W2Quota} calls at once");
                    plainSearch = await search.SearchAsync("plain", round, plain, PlanAfter(previous?.Plain, Math.Round(nominal * 0.75, 1), size), Report);
                }

                await using (var worker = await services.StartWorkerAsync($"worker-w2-{round}", W1Concurrency, W1Batch, size.W2Quota))
                {
                    Step($"W2 round {round}: PromptQueue, provider quota {size.W2Quota} calls at once");
                    var start = previous is null ? plainSearch.Sustained?.Rate ?? nominal : 0;
                    promptQueueSearch = await search.SearchAsync("promptqueue", round, worker, PlanAfter(previous?.PromptQueue, start, size), Report);
                }

                rounds.Add(new W2Round(round, plainSearch, promptQueueSearch));
                Step($"W2 round {round}: {promptQueueSearch.Sustained?.Rate:0.0} / {plainSearch.Sustained?.Rate:0.0} per s = {rounds[^1].Ratio:0.00}x");
            }
        }

        await services.PurgeDefaultLaneAsync();
        PriorityBench.Result w3;
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 20))
        await using (var worker = await services.StartWorkerAsync("worker-w3", 16, 16, 16))
        {
            Step($"W3: {size.W3Backlog:N0} priority-0 requests, then {size.W3Urgent} priority-9");
            w3 = await LoadCheckedAsync("W3 priority", () => PriorityBench.RunAsync(services.Broker, size.W3Backlog, size.W3Urgent));
        }

        ConcurrencyBench.Result w4;
        await using (var simulator = await services.StartSimulatorAsync(baseMs: 2000))
        {
            // A fresh worker per attempt: peak RSS is the process's high-water mark, a second pass in one process would
            // only measure the first again.
            w4 = await LoadCheckedAsync("W4 concurrency", async () =>
            {
                // The lane holds a quarter more requests than there are provider connections, so the next ones are embedded and
                // waiting when a call ends; the provider concurrency (the ideal's) stays the connection limit.
                await using var worker = await services.StartWorkerAsync("worker-w4", size.W4Concurrency * 5 / 4, 32, size.W4Concurrency);
                Step($"W4: {size.W4Requests:N0} requests, provider at 2 s, {size.W4Concurrency} provider connections (lane holds {size.W4Concurrency * 5 / 4})");
                return await ConcurrencyBench.RunAsync(services.Broker, services.Simulator, worker.Id, size.W4Requests, size.W4Concurrency, 2.0);
            });
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
            StartupsJit = startupsJit,
            StartupsPublished = startupsPublished,
            Overhead = overhead,
            W2Quota = size.W2Quota,
            W2Rounds = rounds,
            W3 = w3,
            W4 = w4,
            Loads = _loads,
            Duration = clock.Elapsed,
        };
    }

    /// <summary>The first round's plan, or one that starts a little under what the worker sustained in round 1.</summary>
    private static SearchPlan PlanAfter(RateSearch? first, double start, SuiteSize size) =>
        first?.Sustained is { } sustained
            ? new SearchPlan(Math.Round(sustained.Rate * 0.9, 1), 1.1, Math.Max(0, size.W2Bisections - 1))
            : new SearchPlan(start, 1.25, size.W2Bisections);

    /// <summary>
    /// Runs a workload while reading the machine's load; when other processes used more than the limit, runs it once
    /// more (if a second run measures the same thing) and keeps the second.
    /// </summary>
    private async Task<T> LoadCheckedAsync<T>(string workload, Func<Task<T>> run, bool rerun = true)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = MachineLoad.Take();
            var result = await run();
            var load = new WorkloadLoad(workload, MachineLoad.Between(before, MachineLoad.Take()), attempt > 1);
            if (load.Trustworthy || !rerun || attempt == 2)
            {
                _loads.Add(load);
                if (!load.Trustworthy)
                {
                    Step($"{workload}: other processes used {load.Reading.OtherShare:0%} of the machine; the figure is marked untrustworthy");
                }

                return result;
            }

            Step($"{workload}: other processes used {load.Reading.OtherShare:0%} of the machine (limit {MachineLoad.OtherShareLimit:0%}); running it again");
        }
    }

    private async Task<Measurement> BacklogAsync(string name, List<CompletionRequest> requests)
    {
        var tenant = requests[0].TenantId;
        var run = await new ProducerRun(new ProducerSettings { RabbitMqUri = services.Broker, Count = requests.Count, Tenant = tenant, Quiet = true, Timeout = TimeSpan.FromMinutes(5) }, TimeProvider.System)
            .RunAsync(requests, CancellationToken.None);
        run.EnsureComplete(name);
        return new Measurement(name, run.Received, run.ElapsedSeconds, run.ThroughputPerSecond, run.EndToEndMs);
    }

    /// <summary>Unique requests with cache policy bypass, under one tenant (W1's and the overhead workload's).</summary>
    internal static List<CompletionRequest> BypassRequests(string tenant, int count)
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
        AnsiConsole.MarkupLine($"    {Role(trial),-8} {trial.Rate,6:0.0}/s × {trial.Requests,5}: p99 {trial.EndToEndMs.P99,7:0} ms, {trial.Answered - trial.Failed} ok / {trial.Failed} failed, " +
            $"{trial.CallsPerRequest:0.00} calls/request, {trial.CpuSecondsPerRequest * 1000:0.0} ms CPU/request → {(trial.Passed ? "[green]sustained[/]" : "[red]not sustained[/]")}, others {trial.Load?.OtherShare:0%} of the CPU");

    public static string Role(RateTrial trial) => trial.Role switch { TrialRole.WarmUp => "warm-up", TrialRole.Repeat => "repeat", _ => "" };

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

    /// <summary>Searches per worker: the spread of the ratio over rounds says how far one run's figure can be trusted.</summary>
    public int W2Rounds { get; init; } = 3;

    /// <summary>The overhead workload's fixed rates (issue 16: 100 and 1,000 requests a second).</summary>
    public IReadOnlyList<double> OverheadRates { get; init; } = [100, 1000];

    public TimeSpan OverheadTrial { get; init; } = TimeSpan.FromSeconds(20);

    public int W3Backlog { get; init; } = 10_000;

    public int W3Urgent { get; init; } = 100;

    public int W4Requests { get; init; } = 2_000;

    public int W4Concurrency { get; init; } = 64;

    public static SuiteSize Quick { get; } = new()
    {
        W1Requests = 2_000, W1sRequests = 500, W2Trial = TimeSpan.FromSeconds(10), W2Bisections = 0, W2Rounds = 2, OverheadTrial = TimeSpan.FromSeconds(4), W3Backlog = 1_000, W3Urgent = 20, W4Requests = 200,
    };
}
