using System.Text.Json;
using Spectre.Console;

namespace PromptQueue.Producer.Sample;

/// <summary>Runs the producer with a live progress bar and prints the summary. Exit code 0 when every request got exactly one result.</summary>
public static class ProducerCommand
{
    public static async Task<int> RunAsync(ProducerSettings settings, IAnsiConsole console, TimeProvider time, CancellationToken cancellationToken)
    {
        var requests = RequestSource.Load(settings);
        console.MarkupLine($"Publishing [bold]{requests.Count}[/] requests for tenant [bold]{settings.Tenant}[/] to lane [bold]{settings.Lane}[/]" +
                           (settings.Rate > 0 ? $" at {settings.Rate:0.#}/s" : " as fast as the broker confirms"));
        var run = new ProducerRun(settings, time);
        var running = run.RunAsync(requests, cancellationToken);

        if (settings.Quiet || !console.Profile.Capabilities.Interactive)
        {
            await ReportPlainAsync(console, run, running, requests.Count, time);
        }
        else
        {
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    var published = progress.AddTask("published", maxValue: requests.Count);
                    var answered = progress.AddTask("results", maxValue: requests.Count);
                    while (!running.IsCompleted)
                    {
                        published.Value = run.Published;
                        answered.Value = run.ReceivedCount;
                        await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(100), time, CancellationToken.None));
                    }

                    published.Value = run.Published;
                    answered.Value = run.ReceivedCount;
                });
        }

        var summary = await running;
        SummaryView.Render(console, summary);
        if (settings.SummaryFile is { } file)
        {
            await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(summary, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), cancellationToken);
        }

        return summary.Missing == 0 && summary.Duplicates == 0 ? 0 : 1;
    }

    private static async Task ReportPlainAsync(IAnsiConsole console, ProducerRun run, Task running, int total, TimeProvider time)
    {
        var lastDecile = -1;
        while (!running.IsCompleted)
        {
            var decile = run.ReceivedCount * 10 / Math.Max(total, 1);
            if (decile != lastDecile)
            {
                console.WriteLine($"  published {run.Published}/{total}, results {run.ReceivedCount}/{total}");
                lastDecile = decile;
            }

            await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(250), time, CancellationToken.None));
        }
    }
}
