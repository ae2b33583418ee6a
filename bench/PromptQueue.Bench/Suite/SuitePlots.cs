using ScottPlot;

namespace PromptQueue.Bench.Suite;

/// <summary>The suite's PNG plots (ScottPlot), written next to docs/benchmarks.md.</summary>
public static class SuitePlots
{
    public const string Throughput = "throughput.png";
    public const string W2Latency = "w2-latency.png";
    public const string W3Priority = "w3-priority.png";
    public const string W4Memory = "w4-memory.png";

    public static void Write(SuiteResults results, string directory)
    {
        Directory.CreateDirectory(directory);
        UseInstalledFont();
        ThroughputPlot(results).SavePng(Path.Combine(directory, Throughput), 900, 450);
        W2Plot(results).SavePng(Path.Combine(directory, W2Latency), 900, 500);
        W3Plot(results).SavePng(Path.Combine(directory, W3Priority), 700, 450);
        W4Plot(results).SavePng(Path.Combine(directory, W4Memory), 900, 450);
    }

    private static Plot ThroughputPlot(SuiteResults r)
    {
        var plot = new Plot();
        (string Label, double Value, Color Color)[] bars =
        [
            ("broker ceiling", r.BrokerCeiling.PerSecond, Colors.Gray),
            ("W1 PromptQueue", r.W1.PerSecond, Colors.SteelBlue),
            ("W1 plain worker", r.W1Plain.PerSecond, Colors.Orange),
            ("embedding ceiling", r.EmbeddingCeiling, Colors.Gray),
            ("W1s PromptQueue", r.W1s.PerSecond, Colors.SteelBlue),
        ];
        for (var i = 0; i < bars.Length; i++)
        {
            var bar = plot.Add.Bar(position: i, value: bars[i].Value);
            bar.Color = bars[i].Color;
        }

        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, bars.Length).Select(i => (double)i)], [.. bars.Select(b => $"{b.Label}\n{b.Value:N0}/s")]);
        plot.Axes.Margins(bottom: 0);
        plot.Title("Throughput against the references (same run)");
        plot.YLabel("requests per second");
        return plot;
    }

    private static Plot W2Plot(SuiteResults r)
    {
        var plot = new Plot();
        // Counted trials only (warm-ups and trials their repeat replaced are in the table), one line per worker and round.
        foreach (var round in r.W2Rounds)
        {
            foreach (var (name, search, color) in new[] { ("plain worker", round.Plain, Colors.Orange), ("PromptQueue", round.PromptQueue, Colors.SteelBlue) })
            {
                var ordered = search.Trials.Where(t => t.Counted).OrderBy(t => t.Rate).ToArray();
                var line = plot.Add.Scatter(ordered.Select(t => t.Rate).ToArray(), ordered.Select(t => t.EndToEndMs.P99 / 1000).ToArray());
                line.LegendText = $"{name}, round {round.Round}: p99";
                line.Color = color.WithAlpha(1.0 - (0.3 * (round.Round - 1)));
                line.LineWidth = 2;
                line.MarkerSize = 8;
            }
        }

        var bound = plot.Add.HorizontalLine(3);
        bound.LinePattern = LinePattern.Dashed;
        bound.Color = Colors.Red;
        bound.LegendText = "p99 bound (3 s)";
        plot.Axes.SetLimitsY(0, Math.Min(30, Math.Max(6, r.W2Plain.Concat(r.W2PromptQueue).Max(t => t.EndToEndMs.P99) / 1000 * 1.05)));
        plot.Title($"W2: end-to-end p99 vs open-loop arrival rate (provider quota {r.W2Quota} calls at once, 800 ms ± jitter)");
        plot.XLabel("arrival rate (requests per second)");
        plot.YLabel("p99 end to end (s)");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot W3Plot(SuiteResults r)
    {
        var plot = new Plot();
        (string Label, double Value, Color Color)[] bars =
        [
            ("FIFO would wait", r.W3.FifoWaitMs, Colors.Gray),
            ("urgent p99", r.W3.UrgentQueueWaitMs.P99, Colors.SteelBlue),
            ("urgent p50", r.W3.UrgentQueueWaitMs.P50, Colors.SteelBlue),
        ];
        for (var i = 0; i < bars.Length; i++)
        {
            var bar = plot.Add.Bar(position: i, value: bars[i].Value / 1000);
            bar.Color = bars[i].Color;
        }

        plot.Axes.Bottom.SetTicks([0, 1, 2], [.. bars.Select(b => $"{b.Label}\n{b.Value:N0} ms")]);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"W3: queue wait of {r.W3.Urgent} priority-9 requests behind {r.W3.DepthAhead:N0} priority-0");
        plot.YLabel("queue wait (s)");
        return plot;
    }

    private static Plot W4Plot(SuiteResults r)
    {
        var plot = new Plot();
        var rss = plot.Add.Scatter(r.W4.RssSamples.Select(s => s.Seconds).ToArray(), r.W4.RssSamples.Select(s => s.Bytes / 1048576.0).ToArray());
        rss.LegendText = "worker RSS";
        rss.MarkerSize = 0;
        rss.LineWidth = 2;
        rss.Color = Colors.SteelBlue;
        var target = plot.Add.HorizontalLine(400);
        target.LinePattern = LinePattern.Dashed;
        target.Color = Colors.Red;
        target.LegendText = "target 400 MB";
        var ideal = plot.Add.VerticalLine(r.W4.IdealSeconds);
        ideal.LinePattern = LinePattern.Dotted;
        ideal.Color = Colors.Gray;
        ideal.LegendText = $"ideal wall time {r.W4.IdealSeconds:0} s";
        plot.Axes.SetLimitsY(0, Math.Max(450, r.W4.PeakRssBytes / 1048576.0 * 1.1));
        plot.Title($"W4: worker memory, {r.W4.Count:N0} requests at 2 s, concurrency {r.W4.Concurrency}");
        plot.XLabel("seconds");
        plot.YLabel("resident memory (MB)");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    /// <summary>
    /// ScottPlot's Linux native assets come without fontconfig, so text needs a font file: Debian's DejaVu Sans
    /// (fonts-dejavu-core, installed by scripts/bench-suite).
    /// </summary>
    private static void UseInstalledFont()
    {
        const string DejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        if (File.Exists(DejaVu))
        {
            Fonts.AddFontFile("DejaVu Sans", DejaVu);
            Fonts.Default = "DejaVu Sans";
        }
    }
}
