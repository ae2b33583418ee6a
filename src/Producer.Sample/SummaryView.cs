using System.Globalization;
using Spectre.Console;

namespace PromptQueue.Producer.Sample;

/// <summary>Renders a run summary as tables.</summary>
public static class SummaryView
{
    public static void Render(IAnsiConsole console, RunSummary summary)
    {
        var outcomes = new Table().Title("[bold]Results[/]").AddColumns("Outcome", "Detail").AddColumn(new TableColumn("Count").RightAligned());
        foreach (var (source, count) in summary.BySource.OrderByDescending(kv => kv.Value))
        {
            outcomes.AddRow("[green]succeeded[/]", source, Num(count));
        }

        foreach (var (code, count) in summary.ByErrorCode.OrderByDescending(kv => kv.Value))
        {
            outcomes.AddRow("[red]failed[/]", code, Num(count));
        }

        outcomes.AddRow("[yellow]missing[/]", "no result event", Num(summary.Missing));
        outcomes.AddRow("[yellow]duplicate[/]", "second event for a request", Num(summary.Duplicates));
        outcomes.AddRow("[bold]total[/]", $"published {summary.Published}", Num(summary.Received));
        console.Write(outcomes);

        var latency = new Table().Title("[bold]Latency (ms)[/]").AddColumns("Measure", "p50", "p95", "p99", "max");
        AddLatency(latency, "end to end", summary.EndToEndMs);
        AddLatency(latency, "queue wait", summary.QueueWaitMs);
        AddLatency(latency, "in worker", summary.WorkerMs);
        foreach (var (name, percentiles) in summary.EndToEndMsByClass.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            AddLatency(latency, $"end to end, {name}", percentiles);
        }

        console.Write(latency);
        console.MarkupLine($"[bold]{summary.Received}[/] results in [bold]{summary.ElapsedSeconds:0.00} s[/]: [bold]{summary.ThroughputPerSecond:0.0}[/] requests/s");
    }

    private static void AddLatency(Table table, string name, Percentiles p) =>
        table.AddRow(name, Ms(p.P50), Ms(p.P95), Ms(p.P99), Ms(p.Max));

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
