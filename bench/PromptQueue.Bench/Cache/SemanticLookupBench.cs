using System.Diagnostics;
using PromptQueue.Producer.Sample;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Matching;
using Spectre.Console;
using static PromptQueue.Bench.Cache.CacheBench;

namespace PromptQueue.Bench.Cache;

/// <summary>Lookup latency (embedding excluded) and the recall the 1-bit scan loses against an exact scan.</summary>
internal static class SemanticLookupBench
{
    public static void Run(List<float[]> real, int entries)
    {
        var random = new Random(42);
        var index = new ScopeIndex(entries);
        // Real question vectors first; past them, noisy copies (cosine ~0.9 to their source) fill the scope, which
        // makes it denser with near neighbours than real traffic: a hard case for the quantised scan.
        var queries = real.Where((_, i) => i % 2 == 1).Take(1000).ToList();
        var stored = real.Where((_, i) => i % 2 == 0).ToList();
        for (var i = 0; i < entries; i++)
        {
            var vector = i < stored.Count ? stored[i] : Noisy(stored[i % stored.Count], random, 0.025);
            index.Upsert($"k{i}", vector, "");
        }

        var threshold = new MatchOptions().SimilarityThreshold;
        var latencies = new List<double>(queries.Count);
        var exactLatencies = new List<double>(queries.Count);
        int withExactMatch = 0, found = 0, topAgree = 0, nearestAgree = 0;
        foreach (var query in queries)
        {
            var clock = Stopwatch.StartNew();
            var approximate = index.Search(query, 64, threshold);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            var exact = index.SearchExact(query, 1, threshold);
            exactLatencies.Add(clock.Elapsed.TotalMilliseconds);
            nearestAgree += index.Search(query, 64, -1)[0].Key == index.SearchExact(query, 1, -1)[0].Key ? 1 : 0;
            if (exact.Count > 0)
            {
                withExactMatch++;
                found += approximate.Any(a => a.Key == exact[0].Key) ? 1 : 0;
                topAgree += approximate.Count > 0 && approximate[0].Key == exact[0].Key ? 1 : 0;
            }
        }

        var table = new Table().AddColumns("search", "p50 ms", "p99 ms");
        latencies.Sort();
        exactLatencies.Sort();
        table.AddRow("1-bit scan + float16 rescoring of 64", CacheBench.F(Percentiles.NearestRank(latencies, 0.5)), CacheBench.F(Percentiles.NearestRank(latencies, 0.99)));
        table.AddRow("exact scan (float16, every entry)", CacheBench.F(Percentiles.NearestRank(exactLatencies, 0.5)), CacheBench.F(Percentiles.NearestRank(exactLatencies, 0.99)));
        AnsiConsole.MarkupLine($"\n[bold]Semantic lookup, {entries:N0} entries in one scope[/], {queries.Count} queries (embedding excluded)");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"recall vs. exact scan: of {withExactMatch} queries with an entry at cosine ≥ {threshold}, the quantised search returned that entry for [bold]{found}[/] ({Pct(found, withExactMatch)}), as its best for {topAgree}; nearest entry whatever its similarity: the same as the exact scan's for [bold]{nearestAgree}[/] of {queries.Count} ({Pct(nearestAgree, queries.Count)})");
    }
}
