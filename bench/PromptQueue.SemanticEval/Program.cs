using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using PromptQueue.Datasets;
using PromptQueue.SemanticEval;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

var pairsFile = new Argument<string>("pairs") { Description = "Labelled pairs, JSONL (gzip or plain)", DefaultValueFactory = _ => "../shared/data/qqp-pairs-dev.jsonl.gz" };
var limitOption = new Option<int>("--limit") { Description = "Pairs spread over the file (0: all)", DefaultValueFactory = _ => 10_000 };
var domainOption = new Option<string>("--domain") { Description = "A second file of pairs, evaluated whole (skipped when absent)", DefaultValueFactory = _ => "eval/llm-request-pairs.jsonl" };
var writtenOption = new Option<string>("--written") { Description = "Folder of the written train/test sets (held-out figures skipped when absent)", DefaultValueFactory = _ => "data/written" };
var root = new RootCommand("Precision, recall and F1 of semantic matching, raw cosine vs. guarded, on labelled pairs, plus embedding throughput (scripts/eval-semantic).")
{
    pairsFile, limitOption, domainOption, writtenOption,
};
root.SetAction(parsed => Run(parsed.GetValue(pairsFile)!, parsed.GetValue(limitOption), parsed.GetValue(domainOption)!, parsed.GetValue(writtenOption)!));
return await root.Parse(args).InvokeAsync();

void Run(string path, int limit, string domainPath, string writtenDirectory)
{
    var defaults = new MatchOptions();
    using var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions()));

    Console.WriteLine($"all-MiniLM-L6-v2 on {Environment.ProcessorCount} cores. Defaults: cosine >= {defaults.SimilarityThreshold:0.00}; guards: numbers, polarity, entities.");
    Throughput(embedder, LabelledPairs.Sample(path, 1000, PairSpread.Even).SelectMany(p => new[] { p.A, p.B }).ToList());
    Evaluate(embedder, defaults, $"{Path.GetFileName(path)}, {(limit > 0 ? $"{limit} pairs spread over the file" : "all pairs")}", LabelledPairs.Sample(path, limit, PairSpread.Even), sweep: true);
    if (File.Exists(domainPath))
    {
        Evaluate(embedder, defaults, $"{Path.GetFileName(domainPath)}: LLM-request paraphrases and near-misses written for this project", [.. LabelledPairs.Read(domainPath)], sweep: false);
    }

    if (Directory.Exists(writtenDirectory))
    {
        HeldOutReport.Run(embedder, defaults, path, writtenDirectory, (title, pairs) => Evaluate(embedder, defaults, title, pairs, sweep: false));
    }
}

static void Evaluate(MiniLmEmbedder embedder, MatchOptions defaults, string title, List<LabelledPair> pairs, bool sweep)
{
    var clock = Stopwatch.StartNew();
    var embeddings = embedder.Embed([.. pairs.SelectMany(p => new[] { p.A, p.B })]);
    var scores = pairs.Select((p, i) => PairScores.Of(p, embeddings[2 * i], embeddings[(2 * i) + 1], defaults)).ToList();
    Console.WriteLine();
    Console.WriteLine($"## {title}");
    Console.WriteLine();
    Console.WriteLine($"{pairs.Count} pairs, {pairs.Count(p => p.Duplicate)} duplicates, embedded in {clock.Elapsed.TotalSeconds:0.0} s.");
    Console.WriteLine();
    Console.WriteLine("| cosine >= | raw P | raw R | raw F1 | guarded P | guarded R | guarded F1 |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    double[] thresholds = sweep ? [0.80, 0.82, 0.84, 0.86, 0.88, 0.90, 0.92, 0.93, 0.94, 0.95, 0.96, 0.98] : [0.85, 0.88, 0.90, 0.92, 0.93, 0.94, 0.95];
    foreach (var threshold in thresholds)
    {
        var raw = Score.Of(scores, s => s.Matches(threshold, guarded: false));
        var guarded = Score.Of(scores, s => s.Matches(threshold, guarded: true));
        var mark = Math.Abs(threshold - defaults.SimilarityThreshold) < 1e-9 ? " (default)" : "";
        Console.WriteLine($"| {threshold:0.00}{mark} | {raw.Precision:0.000} | {raw.Recall:0.000} | {raw.F1:0.000} | {guarded.Precision:0.000} | {guarded.Recall:0.000} | {guarded.F1:0.000} |");
    }

    var candidates = scores.Where(s => s.Cosine >= defaults.SimilarityThreshold).ToList();
    Console.WriteLine();
    Console.WriteLine($"Pairs at cosine >= {defaults.SimilarityThreshold:0.00} that each guard rejects first (duplicates lost / non-duplicates stopped):");
    foreach (var guard in new[] { "numbers", "polarity", "entities" })
    {
        Console.WriteLine($"- {guard}: {candidates.Count(s => s.Guard == guard && s.Duplicate)} / {candidates.Count(s => s.Guard == guard && !s.Duplicate)}");
    }
}

static void Throughput(MiniLmEmbedder embedder, List<string> texts)
{
    embedder.Embed(texts.Take(32).ToList());
    var callers = Environment.ProcessorCount;
    Console.WriteLine();
    Console.WriteLine($"Embedding throughput (sentences/s), one intra-op thread per run; one caller, then {callers} callers at once (as the worker runs it):");
    Console.WriteLine();
    Console.WriteLine($"| texts per call | 1 caller | {callers} callers |");
    Console.WriteLine("|---|---|---|");
    foreach (var batch in new[] { 1, 8, 32, 128 })
    {
        var calls = 512 / batch;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            embedder.Embed(texts.GetRange(i * batch, batch));
        }

        var single = calls * batch / clock.Elapsed.TotalSeconds;
        clock.Restart();
        Parallel.For(0, calls, new ParallelOptions { MaxDegreeOfParallelism = callers }, i => embedder.Embed(texts.GetRange(i * batch, batch)));
        var parallel = calls * batch / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"| {batch} | {single:0} | {parallel:0} |");
    }
}
