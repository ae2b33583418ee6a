using System.Globalization;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Datasets;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using Spectre.Console;
using static PromptQueue.Bench.Cache.CacheBench;

namespace PromptQueue.Bench.Cache;

/// <summary>
/// GPTCache's protocol: store the first question of every pair with its own answer, ask with the second. A
/// duplicate pair should hit its own entry; a non-duplicate pair must miss (its near-miss partner is cached).
/// Run with the worker's default matcher (the pair verifier), then with the cosine-threshold matcher (verifier off)
/// at its default and a few stricter thresholds; returns the duplicate pairs that hit their own entry at the default.
/// Lookups go 32 at a time, as a request batch does, so the verifier runs batched.
/// </summary>
internal static class GptCacheProtocol
{
    private const int LookupBatch = 32;

    public static List<LabelledPair> Run(List<LabelledPair> pairs, IReadOnlyList<Embedding> embeddings, QuestionLabels labels, WorkerMetrics metrics, PairVerifier verifier)
    {
        var defaults = new MatchOptions();
        var table = new Table().AddColumns("matcher", "own entry", "other entry, a duplicate by the file's labels", "other entry (wrong or unlabelled)", "duplicates missed", "non-duplicates hit (must miss)", "precision (protocol)", "precision (labelled duplicates count)", "duplicates served");
        List<LabelledPair> correctAtDefault = [];
        var examples = new List<string>();
        var matchers = new List<(string Name, bool IsDefault, SemanticMatcher Matcher)>
        {
            ($"verifier ≥ {verifier.Threshold:0.###}, cosine ≥ {defaults.CandidateFloor:0.00} (default)", true, MatcherOf(defaults, verifier)),
        };
        matchers.AddRange(new[] { defaults.SimilarityThreshold, 0.95, 0.96, 0.97, 0.98 }
            .Select(t => ($"cosine ≥ {t:0.00}, verifier off", false, MatcherOf(new MatchOptions { SimilarityThreshold = t, UseVerifier = false }, null))));
        foreach (var (name, isDefault, matcher) in matchers)
        {
            var options = Options.Create(new CacheOptions { L1MaxBytes = 4L << 30 });
            using var local = new LocalAnswerCache(options, TimeProvider.System);
            var redis = RedisOf(options);
            var cache = ResponseCacheOf(options, local, redis, metrics, matcher);
            for (var i = 0; i < pairs.Count; i++)
            {
                var now = DateTimeOffset.UtcNow;
                cache.StoreAsync(Reuse($"a{i}", pairs[i].A), embeddings[2 * i], new CachedAnswer { RequestId = $"a{i}", Content = $"answer {i}", Usage = new TokenUsage(), StoredAt = now, NotAfter = now.AddDays(1) }).GetAwaiter().GetResult();
            }

            int own = 0, sameQuestion = 0, wrong = 0, missedDuplicates = 0, nonDuplicatesHit = 0;
            var found = new List<CacheHit?>(pairs.Count);
            foreach (var batch in Enumerable.Range(0, pairs.Count).Chunk(LookupBatch))
            {
                found.AddRange(cache.FindSimilarAsync([.. batch.Select(i => new SimilarLookup(Reuse($"b{i}", pairs[i].B), embeddings[(2 * i) + 1]))]).GetAwaiter().GetResult());
            }

            for (var i = 0; i < pairs.Count; i++)
            {
                var hit = found[i];
                if (hit is null)
                {
                    missedDuplicates += pairs[i].Duplicate ? 1 : 0;
                    continue;
                }

                var matched = int.Parse(hit.Answer.RequestId[1..], CultureInfo.InvariantCulture);
                nonDuplicatesHit += pairs[i].Duplicate ? 0 : 1;
                if (pairs[i].Duplicate && matched == i)
                {
                    own++;
                    if (isDefault)
                    {
                        correctAtDefault.Add(pairs[i]);
                    }

                    continue;
                }

                // QQP repeats questions across pairs: an entry cached by another pair holds an answer to this question
                // when the file's own labels make the two questions duplicates (same text, or linked by duplicate pairs).
                if (matched != i && labels.Duplicates(pairs[matched].A, pairs[i].B))
                {
                    sameQuestion++;
                    continue;
                }

                wrong++;
                if (isDefault && examples.Count < 25)
                {
                    examples.Add($"{hit.Similarity:0.000} {(pairs[i].Duplicate ? "dup" : "non")}  asked: {pairs[i].B}  →  cached: {pairs[matched].A}");
                }
            }

            var duplicates = pairs.Count(p => p.Duplicate);
            var hits = own + sameQuestion + wrong;
            table.AddRow(name, $"{own}", $"{sameQuestion}", $"{wrong}", $"{missedDuplicates}", $"{nonDuplicatesHit} ({Pct(nonDuplicatesHit, pairs.Count - duplicates)})",
                $"{(double)own / Math.Max(1, hits):0.000}", $"{(double)(own + sameQuestion) / Math.Max(1, hits):0.000}", Pct(own, duplicates));
        }

        AnsiConsole.MarkupLine($"\n[bold]GPTCache protocol[/]: {pairs.Count} pairs ({pairs.Count(p => p.Duplicate)} duplicates); the first question of each cached in one scope, the second asked; guards on");
        AnsiConsole.Write(table);
        if (Environment.GetEnvironmentVariable("BENCH_EXAMPLES") is not null)
        {
            AnsiConsole.WriteLine("Wrong hits at the default (similarity, label of the asked pair, question asked, cached question served):");
            examples.ForEach(e => AnsiConsole.WriteLine(e));
        }

        return correctAtDefault;
    }

    private static SemanticMatcher MatcherOf(MatchOptions options, PairVerifier? verifier) =>
        new(new PromptQueue.TestSupport.StaticOptionsMonitor<MatchOptions>(options), verifier);

    private static RequestReuse Reuse(string key, string text) => new(ReuseKind.Semantic, Scope, key, "tenant:bench", text);
}
