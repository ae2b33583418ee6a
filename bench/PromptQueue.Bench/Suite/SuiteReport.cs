using System.Globalization;
using System.Text;
using Spectre.Console;

namespace PromptQueue.Bench.Suite;

/// <summary>One target of issue 8: the figure, its target, whether this run met it.</summary>
public sealed record TargetCheck(string Workload, string Measure, string Value, string Target, bool? Met);

/// <summary>
/// Prints the run's tables and writes docs/benchmarks.md from them. The part of the file from the notes marker on is
/// hand-written (where the time goes, what would close a gap) and kept across runs.
/// </summary>
public static class SuiteReport
{
    public const string NotesMarker = "<!-- hand-written notes below: kept when the suite rewrites this file -->";

    public static IReadOnlyList<TargetCheck> Targets(SuiteResults r)
    {
        var plain = SuiteResults.Sustained(r.W2Plain);
        var pq = SuiteResults.Sustained(r.W2PromptQueue);
        var w2Ratio = plain is null || pq is null ? double.NaN : pq.Rate / plain.Rate;
        var w1 = r.W1.PerSecond / r.BrokerCeiling.PerSecond;
        var w1s = r.W1s.PerSecond / r.EmbeddingCeiling;
        var wrongShare = pq is null ? double.NaN : pq.Verdict.Wrong / (double)pq.Requests;
        return
        [
            new("W1 broker-bound", "PromptQueue / broker ceiling", $"{r.W1.PerSecond:N0} / {r.BrokerCeiling.PerSecond:N0} per s = {w1:0.00}", "≥ 0.50", w1 >= 0.5),
            new("W1s embedding-bound", "PromptQueue / embedding ceiling", $"{r.W1s.PerSecond:N0} / {r.EmbeddingCeiling:N0} per s = {w1s:0.00}", "≥ 0.85", w1s >= 0.85),
            new("W2 realistic", "sustainable rate, PromptQueue / plain worker", $"{pq?.Rate:0.0} / {plain?.Rate:0.0} per s = {w2Ratio:0.00}×", "≥ 1.5×", w2Ratio >= 1.5),
            new("W2 realistic", "wrong answers served (labelled non-duplicates)", $"{pq?.Verdict.Wrong} of {pq?.Requests} = {wrongShare:0.00%}", "≤ 0.5 %", wrongShare <= 0.005),
            new("W2 realistic", "provider calls per request, PromptQueue / plain", $"{pq?.CallsPerRequest:0.00} / {plain?.CallsPerRequest:0.00}", "reported", null),
            new("W2 realistic", "worker CPU ms per request, PromptQueue / plain", $"{pq?.CpuSecondsPerRequest * 1000:0.0} / {plain?.CpuSecondsPerRequest * 1000:0.0}", "reported", null),
            new("W3 priority", "FIFO wait / urgent queue-wait p99", $"{r.W3.FifoWaitMs:N0} / {r.W3.UrgentQueueWaitMs.P99:N0} ms = {r.W3.Ratio:0}×", "≥ 50×", r.W3.Ratio >= 50),
            new("W4 concurrency", "wall time / ideal", $"{r.W4.WallSeconds:0.0} / {r.W4.IdealSeconds:0.0} s = {r.W4.Ratio:0.00}×", "≤ 1.10×", r.W4.Ratio <= 1.1),
            new("W4 concurrency", "TCP connections opened", $"{r.W4.Connections}", $"≤ {r.W4.Concurrency}", r.W4.Connections <= r.W4.Concurrency),
            new("W4 concurrency", "worker peak RSS", $"{r.W4.PeakRssBytes / 1048576.0:0} MB", "≤ 400 MB", r.W4.PeakRssBytes <= 400L * 1048576),
        ];
    }

    public static void Print(SuiteResults r)
    {
        var table = new Table().Title("PromptQueue benchmark suite").AddColumns("workload", "measure", "this run", "target", "met");
        foreach (var t in Targets(r))
        {
            table.AddRow(t.Workload, t.Measure, Markup.Escape(t.Value), t.Target, t.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "" });
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"suite took {r.Duration.TotalMinutes:0.0} min");
    }

    public static void WriteMarkdown(SuiteResults r, string path, string command)
    {
        var existing = File.Exists(path) ? File.ReadAllText(path) : "";
        var notesAt = existing.IndexOf(NotesMarker, StringComparison.Ordinal);
        var notes = notesAt >= 0 ? existing[(notesAt + NotesMarker.Length)..] : "\n\n## Notes\n";
        var md = new StringBuilder();
        var plotDir = Path.GetFileNameWithoutExtension(path);
        md.AppendLine("# Benchmarks").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Written by `{command}` ({r.Duration.TotalMinutes:0.0} minutes). Everything above the notes is this run's output; the suite");
        md.AppendLine("rewrites it. Each figure is a ratio against a reference measured in the same run on the same machine, because");
        md.AppendLine("absolute numbers on a shared 2-core machine move from run to run.").AppendLine();

        md.AppendLine("## Summary").AppendLine();
        md.AppendLine("| workload | measure | this run | target | met |").AppendLine("|---|---|---|---|---|");
        foreach (var t in Targets(r))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Workload} | {t.Measure} | {t.Value} | {t.Target} | {t.Met switch { true => "yes", false => "**no**", null => "—" }} |");
        }

        md.AppendLine().AppendLine("## Machine").AppendLine().AppendLine("| | |").AppendLine("|---|---|");
        foreach (var (name, value) in r.Machine)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        }

        md.AppendLine().AppendLine("## References, W1 and W1s").AppendLine();
        md.AppendLine("* **Broker ceiling**: a RabbitMQ.Client program that publishes a request-sized message with confirms to a priority");
        md.AppendLine("  queue (priority 0, like W1's requests), consumes it (same prefetch as the worker's lane, deliveries handled");
        md.AppendLine("  concurrently), publishes a result-sized reply with confirms, acks, and receives the reply. No validation, no");
        md.AppendLine("  HTTP, no Redis.");
        md.AppendLine("* **Embedding ceiling**: all-MiniLM-L6-v2 in this process, batches of 32, one caller per core, before and after the");
        md.AppendLine("  worker workloads (mean used).");
        md.AppendLine("* **Plain worker** (`bench/PromptQueue.PlainWorker`): a MassTransit consumer calling the provider once per message");
        md.AppendLine("  through one shared HttpClient, no batching, no cache; concurrency = prefetch = pooled connections.");
        md.AppendLine("* Throughput paths are measured warm: a first pass (reported as cold for the workers), then the measured one.");
        md.AppendLine("* **W1**: unique requests with cache policy `bypass`, simulator at 0 ms, published as one backlog. **W1s**: distinct");
        md.AppendLine("  Quora questions, cacheable, every one a miss (embedded, looked up, called, stored).").AppendLine();
        md.AppendLine("| path | requests | seconds | per second | p50 ms | p99 ms |").AppendLine("|---|---|---|---|---|---|");
        foreach (var m in new[] { r.BrokerCeiling, r.W1, r.W1Cold, r.W1Plain, r.W1PlainCold, r.W1s })
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {m.Name} | {m.Count:N0} | {m.Seconds:0.0} | {m.PerSecond:N0} | {m.LatencyMs.P50:N0} | {m.LatencyMs.P99:N0} |");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"| embedding ceiling (before {r.EmbeddingBefore:N0}, after {r.EmbeddingAfter:N0}) | {r.W1s.Count:N0} | — | {r.EmbeddingCeiling:N0} | — | — |");
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![throughput]({plotDir}/{SuitePlots.Throughput})").AppendLine();

        md.AppendLine("## W2: realistic traffic, same provider quota").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Requests built from `shared/data/qqp-pairs-dev.jsonl.gz` with a fixed seed: ~30 % exact repeats, ~20 % paraphrases");
        md.AppendLine("(labelled duplicates of an earlier request), ~10 % near-misses (labelled non-duplicates sharing at least half their");
        md.AppendLine("words with an earlier request), the rest new. Simulator: 550 ms + 5 ms per completion token (8-63) + 0-150 ms");
        md.AppendLine(CultureInfo.InvariantCulture, $"jitter (≈ 800 ms mean), and at most {r.W2Quota} calls at once (429 beyond): the provider quota. Both workers get");
        md.AppendLine(CultureInfo.InvariantCulture, $"{r.W2Quota} provider connections. Each trial publishes open-loop at a fixed rate for a fixed time under a new tenant");
        md.AppendLine("(an empty cache); a rate is sustained when every request succeeds and p99 end to end stays under 3 s. Served");
        md.AppendLine("answers that came from another request's call are judged by the labels: right (same text or labelled duplicate),");
        md.AppendLine("wrong (labelled non-duplicate) or unknown (a pair the file never compares). CPU is the worker process's own.").AppendLine();
        md.AppendLine("| worker | rate /s | requests | p50 ms | p99 ms | calls/request | CPU ms/request | sources | reused: right / wrong / unknown | sustained |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (name, trials) in new[] { ("plain", r.W2Plain), ("PromptQueue", r.W2PromptQueue) })
        {
            foreach (var t in trials.OrderBy(t => t.Rate))
            {
                var sources = string.Join(", ", t.BySource.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}"));
                md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {t.Rate:0.0} | {t.Requests:N0} | {t.EndToEndMs.P50:N0} | {t.EndToEndMs.P99:N0} | {t.CallsPerRequest:0.00} | {t.CpuSecondsPerRequest * 1000:0.0} | {sources} | {t.Verdict.Right} / {t.Verdict.Wrong} / {t.Verdict.Unknown} | {(t.Passed ? "yes" : "no")} |");
            }
        }

        var best = SuiteResults.Sustained(r.W2PromptQueue);
        if (best is { Verdict.WrongExamples.Count: > 0 })
        {
            md.AppendLine().AppendLine("Wrong answers at PromptQueue's sustained rate (asked → the question whose answer was served):").AppendLine();
            foreach (var (asked, answered) in best.Verdict.WrongExamples)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"* \"{asked}\" → \"{answered}\"");
            }
        }

        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![W2 latency]({plotDir}/{SuitePlots.W2Latency})").AppendLine();

        md.AppendLine("## W3: priority under backlog").AppendLine();
        md.AppendLine("Priority-0 requests published as a backlog, then priority-9 ones from another tenant; simulator at 20 ms, lane");
        md.AppendLine("concurrency and prefetch 16. FIFO's wait is computed from this run: backlog requests not yet answered when the");
        md.AppendLine("urgent ones were published, divided by the throughput measured draining the backlog.").AppendLine();
        md.AppendLine("| measure | value |").AppendLine("|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| backlog / urgent | {r.W3.Backlog:N0} / {r.W3.Urgent:N0} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| throughput draining the backlog | {r.W3.BacklogPerSecond:N0}/s |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| requests ahead of the urgent ones | {r.W3.DepthAhead:N0} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| FIFO queue wait for them | {r.W3.FifoWaitMs / 1000:0.0} s |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| urgent queue wait p50 / p99 | {r.W3.UrgentQueueWaitMs.P50:N0} / {r.W3.UrgentQueueWaitMs.P99:N0} ms |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| urgent end to end p50 / p99 | {r.W3.UrgentEndToEndMs.P50:N0} / {r.W3.UrgentEndToEndMs.P99:N0} ms |");
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![W3 priority]({plotDir}/{SuitePlots.W3Priority})").AppendLine();

        md.AppendLine("## W4: concurrency").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Simulator at a fixed 2 s, {r.W4.Count:N0} unique cacheable requests (each embedded and stored in L1, Redis and the");
        md.AppendLine(CultureInfo.InvariantCulture, $"semantic index), {r.W4.Concurrency} provider connections (the concurrency), the lane holding {r.W4.Concurrency * 5 / 4} requests so the next");
        md.AppendLine("ones are embedded and waiting when a call ends. Ideal wall time = ceil(requests / concurrency) × 2 s.").AppendLine();
        md.AppendLine("| measure | value | target |").AppendLine("|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| wall time / ideal | {r.W4.WallSeconds:0.0} s / {r.W4.IdealSeconds:0.0} s = {r.W4.Ratio:0.00}× | ≤ 1.10× |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| TCP connections the simulator accepted | {r.W4.Connections} | ≤ {r.W4.Concurrency} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| worker peak RSS, the run's cache entries held | {r.W4.PeakRssBytes / 1048576.0:0} MB | ≤ 400 MB |");
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![W4 memory]({plotDir}/{SuitePlots.W4Memory})").AppendLine();
        md.Append(NotesMarker).Append(notes.TrimEnd()).AppendLine();
        File.WriteAllText(path, md.ToString());
    }
}
