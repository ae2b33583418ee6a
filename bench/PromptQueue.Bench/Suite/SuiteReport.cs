using System.Globalization;
using System.Text;
using Spectre.Console;

namespace PromptQueue.Bench.Suite;

/// <summary>One target (issues 8, 15 and 16): the figure, its target, whether this run met it, and whether the machine was quiet enough to trust it.</summary>
public sealed record TargetCheck(string Workload, string Measure, string Value, string Target, bool? Met, bool Trustworthy = true);

/// <summary>
/// Prints the run's tables and writes docs/benchmarks.md from them. The part of the file from the notes marker on is
/// hand-written (where the time goes, what would close a gap) and kept across runs.
/// </summary>
public static class SuiteReport
{
    public const string NotesMarker = "<!-- hand-written notes below: kept when the suite rewrites this file -->";

    public static IReadOnlyList<TargetCheck> Targets(SuiteResults r)
    {
        var median = r.W2Median;
        var plain = median?.Plain.Sustained;
        var pq = median?.PromptQueue.Sustained;
        var ratios = r.W2Rounds.Select(x => x.Ratio).Where(x => !double.IsNaN(x)).ToList();
        var spread = ratios.Count == 0 ? "" : $" (rounds {string.Join(", ", r.W2Rounds.Select(x => x.Ratio.ToString("0.00", CultureInfo.InvariantCulture)))}; spread {ratios.Max() - ratios.Min():0.00})";
        var w2Ratio = median?.Ratio ?? double.NaN;
        var w2Trusted = median?.Trustworthy ?? false;
        // Wrong answers over every round's sustained PromptQueue trial: more requests judged than one trial holds.
        var sustained = r.W2Rounds.Select(x => x.PromptQueue.Sustained).OfType<RateTrial>().ToList();
        var (wrong, judged) = (sustained.Sum(t => t.Verdict.Wrong), sustained.Sum(t => t.Requests));
        var wrongShare = judged == 0 ? double.NaN : wrong / (double)judged;
        var w1Broker = r.W1.PerSecond / r.BrokerCeiling.PerSecond;
        var w1Plain = r.W1.PerSecond / r.W1Plain.PerSecond;
        var w1s = r.W1s.PerSecond / r.EmbeddingCeiling;
        var cpuMs = pq?.CpuSecondsPerRequest * 1000;
        return
        [
            new("W1 broker-bound", "PromptQueue / broker ceiling", $"{r.W1.PerSecond:N0} / {r.BrokerCeiling.PerSecond:N0} per s = {w1Broker:0.00}", "≥ 0.80", w1Broker >= 0.8, Quiet(r, "broker ceiling", "W1 PromptQueue")),
            new("W1 broker-bound", "PromptQueue / plain worker (both warm)", $"{r.W1.PerSecond:N0} / {r.W1Plain.PerSecond:N0} per s = {w1Plain:0.00}", "≥ 1.00", w1Plain >= 1.0, Quiet(r, "W1 PromptQueue", "W1 plain worker")),
            new("start", $"worker ready after `dotnet` started, median of {Math.Max(r.StartupsPublished.Count, r.StartupsJit.Count)} ({(r.StartupsPublished.Count > 0 ? "ReadyToRun publish" : "Release build")})",
                $"{r.WorkerStartup.TotalSeconds:0.00} s{(r.StartupsPublished.Count > 0 ? $" (Release build, JIT: {SuiteResults.Median(r.StartupsJit).TotalSeconds:0.00} s)" : "")}", "≤ 3 s", r.WorkerStartup.TotalSeconds <= 3),
            new("start", "first 20,000 requests / warm rate (W1, new worker)", $"{r.W1Cold.PerSecond:N0} / {r.W1.PerSecond:N0} per s = {r.W1ColdShare:0.00}", "≥ 0.80", r.W1ColdShare >= 0.8, Quiet(r, "W1 PromptQueue, first pass (cold)", "W1 PromptQueue")),
            .. OverheadTargets(r),
            new("W1s embedding-bound", "PromptQueue / embedding ceiling", $"{r.W1s.PerSecond:N0} / {r.EmbeddingCeiling:N0} per s = {w1s:0.00}", "≥ 0.85", w1s >= 0.85, Quiet(r, "W1s PromptQueue", "embedding ceiling, before", "embedding ceiling, after")),
            new("W2 realistic", $"sustainable rate, PromptQueue / plain worker, median of {r.W2Rounds.Count} rounds", $"{pq?.Rate:0.0} / {plain?.Rate:0.0} per s = {w2Ratio:0.00}×{spread}", "≥ 1.7×", w2Ratio >= 1.7, w2Trusted),
            new("W2 realistic", "wrong answers served (labelled non-duplicates), every round's sustained trial", $"{wrong} of {judged} = {wrongShare:0.00%}", "≤ 0.5 %", wrongShare <= 0.005, w2Trusted),
            new("W2 realistic", "worker CPU ms per request, PromptQueue / plain (median round)", $"{cpuMs:0.0} / {plain?.CpuSecondsPerRequest * 1000:0.0}", "≤ 8 ms", cpuMs <= 8, w2Trusted),
            new("W2 realistic", "provider calls per request, PromptQueue / plain (median round)", $"{pq?.CallsPerRequest:0.00} / {plain?.CallsPerRequest:0.00}", "reported", null, w2Trusted),
            new("W3 priority", "FIFO wait / urgent queue-wait p99", $"{r.W3.FifoWaitMs:N0} / {r.W3.UrgentQueueWaitMs.P99:N0} ms = {r.W3.Ratio:0}×", "≥ 50×", r.W3.Ratio >= 50, Quiet(r, "W3 priority")),
            new("W4 concurrency", "wall time / ideal", $"{r.W4.WallSeconds:0.0} / {r.W4.IdealSeconds:0.0} s = {r.W4.Ratio:0.00}×", "≤ 1.10×", r.W4.Ratio <= 1.1, Quiet(r, "W4 concurrency")),
            new("W4 concurrency", "TCP connections opened", $"{r.W4.Connections}", $"≤ {r.W4.Concurrency}", r.W4.Connections <= r.W4.Concurrency),
            new("W4 concurrency", "worker peak RSS", $"{r.W4.PeakRssBytes / 1048576.0:0} MB", "≤ 350 MB", r.W4.PeakRssBytes <= 350L * 1048576),
        ];
    }

    /// <summary>The worker's own share at the highest rate against issue 16's targets, per window; what it adds is reported.</summary>
    private static IEnumerable<TargetCheck> OverheadTargets(SuiteResults r)
    {
        if (r.Overhead.Count == 0)
        {
            yield break;
        }

        var top = r.Overhead.MaxBy(p => p.Rate)!;
        foreach (var run in new[] { top.WindowDefault, top.WindowZero })
        {
            var (added50, added99) = run.AddedMs(top.DirectMs);
            var quiet = run.Load.OtherShare <= MachineLoad.OtherShareLimit;
            yield return new("overhead", $"latency added over a direct call at {top.Rate:N0}/s, batch window {run.Window}, p50 / p99", $"{added50:0.0} / {added99:0.0} ms", "reported", null, quiet);
            yield return new("overhead", $"worker's own share at {top.Rate:N0}/s, batch window {run.Window}, p50 / p99", $"{run.WorkerOwnMs.P50:0.0} / {run.WorkerOwnMs.P99:0.0} ms", "≤ 2 / ≤ 10 ms",
                run.WorkerOwnMs.P50 <= 2 && run.WorkerOwnMs.P99 <= 10 && run.Failed == 0, quiet);
        }
    }

    private static bool Quiet(SuiteResults r, params string[] workloads) =>
        r.Loads.Where(l => workloads.Contains(l.Workload)).All(l => l.Trustworthy);

    private static string Trust(TargetCheck t) => t.Trustworthy ? "" : " (machine busy: not trustworthy)";

    public static void Print(SuiteResults r)
    {
        var table = new Table().Title("PromptQueue benchmark suite").AddColumns("workload", "measure", "this run", "target", "met");
        foreach (var t in Targets(r))
        {
            table.AddRow(t.Workload, Markup.Escape(t.Measure), Markup.Escape(t.Value + Trust(t)), t.Target, t.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "" });
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
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Workload} | {t.Measure} | {t.Value}{Trust(t)} | {t.Target} | {t.Met switch { true => "yes", false => "**no**", null => "—" }} |");
        }

        md.AppendLine().AppendLine("## Machine load during each workload").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"CPU of the suite's processes (this client, the processes it started, RabbitMQ, Redis) and of everything else, in cores");
        md.AppendLine(CultureInfo.InvariantCulture, $"(`MachineLoad`, from /proc). A workload during which other processes used more than {MachineLoad.OtherShareLimit:0%} of the machine is run once more");
        md.AppendLine("(not the cold passes: a second pass is warm), and a figure still measured busy is marked in the summary. Every W2");
        md.AppendLine("trial is checked the same way (its own column below).").AppendLine();
        md.AppendLine("| workload | seconds | suite, cores | others, cores | others' share | re-run | trustworthy |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var l in r.Loads)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {l.Workload} | {l.Reading.Seconds:0.0} | {l.Reading.SuiteCores:0.00} | {l.Reading.OtherCores:0.00} | {l.Reading.OtherShare:0.0%} | {(l.Rerun ? "yes" : "no")} | {(l.Trustworthy ? "yes" : "**no**")} |");
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
        md.AppendLine("* Throughput paths are measured warm: a first pass (reported as cold for the workers), then the measured one. The");
        md.AppendLine("  cold pass over the warm one is the start target: a new replica's first 20,000 requests. Ready time: from `dotnet`");
        md.AppendLine("  started to `/health/ready` answering (lanes consuming), polled every 50 ms.");
        md.AppendLine("* **W1**: unique requests with cache policy `bypass`, simulator at 0 ms, published as one backlog. **W1s**: distinct");
        md.AppendLine("  Quora questions, cacheable, every one a miss (embedded, looked up, called, stored).").AppendLine();
        md.AppendLine("| path | requests | seconds | per second | p50 ms | p99 ms |").AppendLine("|---|---|---|---|---|---|");
        foreach (var m in new[] { r.BrokerCeiling, r.W1, r.W1Cold, r.W1Plain, r.W1PlainCold, r.W1s })
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {m.Name} | {m.Count:N0} | {m.Seconds:0.0} | {m.PerSecond:N0} | {m.LatencyMs.P50:N0} | {m.LatencyMs.P99:N0} |");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"| embedding ceiling (before {r.EmbeddingBefore:N0}, after {r.EmbeddingAfter:N0}) | {r.W1s.Count:N0} | — | {r.EmbeddingCeiling:N0} | — | — |");
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![throughput]({plotDir}/{SuitePlots.Throughput})").AppendLine();

        md.AppendLine("## Overhead at fixed rates (the way gateways report it)").AppendLine();
        md.AppendLine("The simulator answers at once (0 ms). **Direct**: the bench client calls it open loop at the rate (each call sent");
        md.AppendLine("at its time) over a pool of 64 connections. **PromptQueue**: unique cache-bypass requests published open loop at the");
        md.AppendLine("same rate, end to end from publish to the result event received (broker both ways, the worker, the provider call).");
        md.AppendLine("**Added** = PromptQueue's percentile minus the direct call's. **Worker's own** = the result's `workerMs` minus");
        md.AppendLine("`providerMs` (received from the queue to result published, without the provider call: batch window included).");
        md.AppendLine("Each figure follows an uncounted warm-up pass at the same rate. For comparison (no broker in either): LiteLLM");
        md.AppendLine("publishes 2 / 13 ms p50 / p99 added at 1,170 RPS on four 4-CPU instances, TensorZero 0.19 / 0.57 ms at 10,000 QPS.").AppendLine();
        md.AppendLine("| rate /s | direct p50 / p99 ms | batch window | requests (failed) | end to end p50 / p99 ms | added p50 / p99 ms | worker's own p50 / p99 ms | others' CPU |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var point in r.Overhead)
        {
            foreach (var run in new[] { point.WindowDefault, point.WindowZero })
            {
                var (added50, added99) = run.AddedMs(point.DirectMs);
                md.AppendLine(CultureInfo.InvariantCulture, $"| {point.Rate:N0} | {point.DirectMs.P50:0.0} / {point.DirectMs.P99:0.0} | {run.Window} | {run.Requests:N0} ({run.Failed}) | {run.EndToEndMs.P50:0.0} / {run.EndToEndMs.P99:0.0} | {added50:0.0} / {added99:0.0} | {run.WorkerOwnMs.P50:0.0} / {run.WorkerOwnMs.P99:0.0} | {run.Load.OtherShare:0%} |");
            }
        }

        md.AppendLine();
        md.AppendLine("## W2: realistic traffic, same provider quota").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Requests built from `shared/data/qqp-pairs-dev.jsonl.gz` with a fixed seed: ~30 % exact repeats, ~20 % paraphrases");
        md.AppendLine("(labelled duplicates of an earlier request), ~10 % near-misses (labelled non-duplicates sharing at least half their");
        md.AppendLine("words with an earlier request), the rest new. Simulator: 550 ms + 5 ms per completion token (8-63) + 0-150 ms");
        md.AppendLine(CultureInfo.InvariantCulture, $"jitter (≈ 800 ms mean), and at most {r.W2Quota} calls at once (429 beyond): the provider quota. Both workers get");
        md.AppendLine(CultureInfo.InvariantCulture, $"{r.W2Quota} provider connections. Each trial publishes open-loop at a fixed rate for a fixed time under a new tenant");
        md.AppendLine("(an empty cache); a rate is sustained when every request succeeds and p99 end to end stays under 3 s. Served");
        md.AppendLine("answers that came from another request's call are judged by the labels: right (same text or labelled duplicate),");
        md.AppendLine("wrong (labelled non-duplicate) or unknown (a pair the file never compares). CPU is the worker process's own.").AppendLine();
        md.AppendLine("Method: each worker is a fresh process per round, and its search begins with an uncounted warm-up trial at the");
        md.AppendLine("start rate; a trial that fails, or runs while other processes use more than the load limit, is repeated once and");
        md.AppendLine("the repeat decides. Round 1 climbs by ×1.25 from 0.75 of the nominal capacity (plain) or from the plain worker's");
        md.AppendLine("result (PromptQueue), then bisects; later rounds start at 0.9 of round 1's result and climb by ×1.1. The summary");
        md.AppendLine("reports the round with the median ratio and the spread over rounds.").AppendLine();
        md.AppendLine("| round | PromptQueue /s | plain /s | ratio | trustworthy |").AppendLine("|---|---|---|---|---|");
        foreach (var round in r.W2Rounds)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {round.Round} | {round.PromptQueue.Sustained?.Rate:0.0} | {round.Plain.Sustained?.Rate:0.0} | {round.Ratio:0.00}× | {(round.Trustworthy ? "yes" : "**no**")} |");
        }

        md.AppendLine().AppendLine("| round | worker | trial | rate /s | requests | p50 ms | p99 ms | calls/request | CPU ms/request | sources | reused: right / wrong / unknown | others' CPU | sustained |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var round in r.W2Rounds)
        {
            foreach (var search in new[] { round.Plain, round.PromptQueue })
            {
                foreach (var t in search.Trials)
                {
                    var sources = string.Join(", ", t.BySource.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}"));
                    var role = t.Role switch { TrialRole.WarmUp => "warm-up (not counted)", TrialRole.Repeat => "repeat", _ => t.Counted ? "" : "replaced by its repeat" };
                    md.AppendLine(CultureInfo.InvariantCulture, $"| {round.Round} | {(search.Worker == "plain" ? "plain" : "PromptQueue")} | {role} | {t.Rate:0.0} | {t.Requests:N0} | {t.EndToEndMs.P50:N0} | {t.EndToEndMs.P99:N0} | {t.CallsPerRequest:0.00} | {t.CpuSecondsPerRequest * 1000:0.0} | {sources} | {t.Verdict.Right} / {t.Verdict.Wrong} / {t.Verdict.Unknown} | {t.Load?.OtherShare:0%} | {(t.Passed ? "yes" : "no")} |");
                }
            }
        }

        var best = r.W2Median?.PromptQueue.Sustained;
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
        md.AppendLine(CultureInfo.InvariantCulture, $"| worker peak RSS, the run's cache entries held | {r.W4.PeakRssBytes / 1048576.0:0} MB | ≤ 350 MB |");
        md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![W4 memory]({plotDir}/{SuitePlots.W4Memory})").AppendLine();
        md.Append(NotesMarker).Append(notes.TrimEnd()).AppendLine();
        File.WriteAllText(path, md.ToString());
    }
}
