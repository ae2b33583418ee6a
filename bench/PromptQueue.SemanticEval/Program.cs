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
var verifierOption = new Option<string>("--verifier") { Description = "The pair verifier's folder (its figures skipped when absent)", DefaultValueFactory = _ => "models/pair-verifier" };
var partOption = new Option<string>("--part") { Description = "all: the dev-file sample, the domain file and the held-out test figures; validation: only the validation parts (what defaults are chosen on); test: only the held-out test figures", DefaultValueFactory = _ => "all" };
partOption.AcceptOnlyFromAmong("all", "validation", "test");
var wrongRateOption = new Option<double>("--max-wrong-rate") { Description = "Matching:MaxWrongRate for the verifier's threshold (default: the worker's)", DefaultValueFactory = _ => new MatchOptions().MaxWrongRate };
var floorOption = new Option<double>("--floor") { Description = "Matching:CandidateFloor: the cosine a pair needs to be verified (default: the worker's)", DefaultValueFactory = _ => new MatchOptions().CandidateFloor };
var root = new RootCommand("Precision, recall and F1 of semantic matching (cosine, guards, the pair verifier) on labelled pairs and cache protocols, plus embedding throughput (scripts/eval-semantic).")
{
    pairsFile, limitOption, domainOption, writtenOption, verifierOption, partOption, wrongRateOption, floorOption,
};
root.SetAction(parsed => Run(parsed.GetValue(pairsFile)!, parsed.GetValue(limitOption), parsed.GetValue(domainOption)!, parsed.GetValue(writtenOption)!, parsed.GetValue(verifierOption)!, parsed.GetValue(partOption)!, parsed.GetValue(wrongRateOption), parsed.GetValue(floorOption)));
return await root.Parse(args).InvokeAsync();

void Run(string path, int limit, string domainPath, string writtenDirectory, string verifierFolder, string part, double maxWrongRate, double floor)
{
    var defaults = new MatchOptions { MaxWrongRate = maxWrongRate, CandidateFloor = floor };
    using var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions()));
    using var runners = new ModelRunners(0);
    embedder.Embed(["warm up", "the embedder first, so the verifier's memory is measured alone"]);
    var residentBefore = Resident();
    using var verifier = File.Exists(Path.Combine(verifierFolder, PairVerifier.ModelFile)) ? OpenVerifier(verifierFolder, defaults, runners) : null;
    verifier?.ScoreAsync([.. Enumerable.Range(0, 16).Select(i => new TextPair($"warm up the verifier {i}", "and its ONNX Runtime session, with a longer second text to pad"))]).GetAwaiter().GetResult();
    var residentAdded = Resident() - residentBefore;
    var scores = verifier is null ? null : new VerifierScores(verifier);

    Console.WriteLine($"all-MiniLM-L6-v2 on {Environment.ProcessorCount} cores. Cosine-only matcher (verifier off): cosine >= {defaults.SimilarityThreshold:0.00}; guards: numbers, polarity, entities.");
    Console.WriteLine(verifier is null
        ? "No pair verifier found: its rows are left out."
        : $"Pair verifier {verifierFolder}: candidates at cosine >= {defaults.CandidateFloor:0.00}, threshold {verifier.Threshold:0.###} (calibrated for Matching:MaxWrongRate {defaults.MaxWrongRate}); default guards: {Guards(defaults)}; " +
          $"resident memory added by loading and warming it: {residentAdded / 1048576.0:0} MB.");
    if (part == "all")
    {
        Throughput(embedder, LabelledPairs.Sample(path, 1000, PairSpread.Even).SelectMany(p => new[] { p.A, p.B }).ToList());
        VerifierCost(verifier, LabelledPairs.Sample(path, 400, PairSpread.Even));
        Evaluate(embedder, defaults, scores, $"{Path.GetFileName(path)}, {(limit > 0 ? $"{limit} pairs spread over the file" : "all pairs")}", LabelledPairs.Sample(path, limit, PairSpread.Even), sweep: true);
        if (File.Exists(domainPath))
        {
            Evaluate(embedder, defaults, scores, $"{Path.GetFileName(domainPath)}: LLM-request paraphrases and near-misses written for this project", [.. LabelledPairs.Read(domainPath)], sweep: false);
        }
    }

    if (Directory.Exists(writtenDirectory))
    {
        void Report(string title, List<LabelledPair> pairs) => Evaluate(embedder, defaults, scores, title, pairs, sweep: false);
        if (part is "validation")
        {
            HeldOutReport.Validation(embedder, defaults, scores, path, writtenDirectory, Report);
        }
        else
        {
            HeldOutReport.Run(embedder, defaults, scores, path, writtenDirectory, Report);
        }
    }

    if (scores is not null)
    {
        Console.WriteLine();
        Console.WriteLine($"Verifier: {scores.Scored} distinct pairs scored in {scores.Elapsed.TotalSeconds:0.0} s ({scores.Elapsed.TotalMilliseconds / Math.Max(1, scores.Scored):0.0} ms a pair, batched, {runners.Count} runner threads).");
    }
}

// The verifier at the floor asked for. Where no threshold of its calibration keeps the budget there (the worker would
// refuse to start), the scores are still read, with the threshold of the lowest floor above that keeps it, so the
// near-misses it would serve can be listed; the report says so.
static PairVerifier OpenVerifier(string folder, MatchOptions defaults, ModelRunners runners)
{
    var calibration = VerifierCalibration.Read(Path.Combine(folder, VerifierCalibration.FileName));
    if (calibration.ThresholdFor(defaults.MaxWrongRate, defaults.CandidateFloor) is not null)
    {
        return new PairVerifier(folder, defaults.MaxWrongRate, defaults.CandidateFloor, 1, runners);
    }

    var holding = calibration.Sets.Select(s => s.Floor).Distinct().Order().FirstOrDefault(f => f > defaults.CandidateFloor && calibration.ThresholdFor(defaults.MaxWrongRate, f) is not null);
    if (holding == 0)
    {
        throw new InvalidOperationException($"No floor of {folder}'s calibration keeps Matching:MaxWrongRate {defaults.MaxWrongRate}.");
    }

    Console.WriteLine($"No threshold keeps Matching:MaxWrongRate {defaults.MaxWrongRate} at floor {defaults.CandidateFloor:0.00} (the worker would refuse to start); candidates are read at {defaults.CandidateFloor:0.00} with floor {holding:0.00}'s threshold.");
    return new PairVerifier(folder, defaults.MaxWrongRate, holding, 1, runners);
}

// Resident set after a full collection, so garbage of loading does not count.
static long Resident()
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    using var self = Process.GetCurrentProcess();
    return self.WorkingSet64;
}

static string Guards(MatchOptions o) =>
    string.Join(", ", new[] { o.GuardNumbers ? "numbers" : null, o.GuardPolarity ? "polarity" : null, o.GuardEntities ? "entities" : null }.OfType<string>().DefaultIfEmpty("none"));

static void Evaluate(MiniLmEmbedder embedder, MatchOptions defaults, VerifierScores? verifier, string title, List<LabelledPair> pairs, bool sweep)
{
    var clock = Stopwatch.StartNew();
    var embeddings = embedder.Embed([.. pairs.SelectMany(p => new[] { p.A, p.B })]);
    var candidates = pairs.Select((p, i) => (p, i)).Where(x => Embedding.Cosine(embeddings[2 * x.i], embeddings[(2 * x.i) + 1]) >= defaults.CandidateFloor);
    verifier?.Prefetch(candidates.Select(x => new TextPair(x.p.A, x.p.B)));
    var scores = pairs.Select((p, i) => PairScores.Of(p, embeddings[2 * i], embeddings[(2 * i) + 1], verifier, defaults.CandidateFloor)).ToList();
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

    var above = scores.Where(s => s.Cosine >= defaults.SimilarityThreshold).ToList();
    Console.WriteLine();
    Console.WriteLine($"Pairs at cosine >= {defaults.SimilarityThreshold:0.00} that each guard rejects (duplicates lost / non-duplicates stopped):");
    Console.WriteLine($"- numbers: {above.Count(s => s.NumbersDiffer && s.Duplicate)} / {above.Count(s => s.NumbersDiffer && !s.Duplicate)}");
    Console.WriteLine($"- polarity: {above.Count(s => s.PolarityDiffers && s.Duplicate)} / {above.Count(s => s.PolarityDiffers && !s.Duplicate)}");
    Console.WriteLine($"- entities: {above.Count(s => s.EntitiesDiffer && s.Duplicate)} / {above.Count(s => s.EntitiesDiffer && !s.Duplicate)}");
    if (verifier is not null)
    {
        VerifierTable(defaults, verifier.Verifier.Threshold, scores);
        WrongMatches(defaults, verifier.Verifier.Threshold, pairs, scores);
    }
}

// The written sets are small enough to read every near-miss the verifier scores at 0.5 or more after the default
// guards: the ones at or above the threshold are what a user would have been served.
static void WrongMatches(MatchOptions defaults, double threshold, List<LabelledPair> pairs, List<PairScores> scores)
{
    if (Environment.GetEnvironmentVariable("EVAL_LIST_PAIRS") == "1" && pairs.Count <= 200)
    {
        // Every pair with its scores, for choosing test fixtures (not a selection of any default).
        foreach (var (pair, score) in pairs.Zip(scores))
        {
            Console.WriteLine($"- {(pair.Duplicate ? "same" : "different")}, cosine {score.Cosine:0.000}, verifier {score.Probability:0.000}, vetoed {score.Vetoed(defaults)}: \"{pair.A}\" / \"{pair.B}\"");
        }
    }

    var wrong = pairs.Zip(scores).Where(x => !x.First.Duplicate && x.Second.MatchesVerified(defaults, 0.5)).OrderByDescending(x => x.Second.Probability).ToList();
    if (pairs.Count > 2000 || wrong.Count == 0)
    {
        return;
    }

    Console.WriteLine();
    Console.WriteLine($"Labelled different, verifier >= 0.5 after the default guards ({wrong.Count(x => x.Second.Probability >= threshold)} served at the default {threshold:0.###}):");
    foreach (var (pair, score) in wrong)
    {
        Console.WriteLine($"- cosine {score.Cosine:0.000}, verifier {score.Probability:0.000}{(score.Probability >= threshold ? " (served)" : "")}: \"{pair.A}\" / \"{pair.B}\"");
    }
}

// The verifier with each guard as a veto, on and off, and a sweep of its threshold with the default guards.
static void VerifierTable(MatchOptions defaults, double threshold, List<PairScores> scores)
{
    Console.WriteLine();
    Console.WriteLine($"With the pair verifier (candidates at cosine >= {defaults.CandidateFloor:0.00}: {scores.Count(s => s.Probability is not null)} pairs):");
    Console.WriteLine();
    Console.WriteLine("| matcher | P | R | F1 | matches | wrong |");
    Console.WriteLine("|---|---|---|---|---|---|");
    var baseline = Score.Of(scores, s => s.Matches(defaults.SimilarityThreshold, guarded: true));
    Console.WriteLine($"| cosine >= {defaults.SimilarityThreshold:0.00} + guards (verifier off) | {baseline.Precision:0.000} | {baseline.Recall:0.000} | {baseline.F1:0.000} | {baseline.TruePositives + baseline.FalsePositives} | {baseline.FalsePositives} |");
    MatchOptions Guarded(bool numbers, bool polarity, bool entities) => new() { CandidateFloor = defaults.CandidateFloor, GuardNumbers = numbers, GuardPolarity = polarity, GuardEntities = entities };
    (string Name, MatchOptions Guards)[] variants =
    [
        ("no guards", Guarded(false, false, false)),
        ("+ numbers", Guarded(true, false, false)),
        ("+ polarity", Guarded(false, true, false)),
        ("+ entities", Guarded(false, false, true)),
        ("+ numbers, polarity", Guarded(true, true, false)),
        ("+ all three guards", Guarded(true, true, true)),
    ];
    foreach (var (name, guards) in variants)
    {
        var score = Score.Of(scores, s => s.MatchesVerified(guards, threshold));
        var isDefault = guards.GuardNumbers == defaults.GuardNumbers && guards.GuardPolarity == defaults.GuardPolarity && guards.GuardEntities == defaults.GuardEntities;
        Console.WriteLine($"| verifier >= {threshold:0.###} {name}{(isDefault ? " (default)" : "")} | {score.Precision:0.000} | {score.Recall:0.000} | {score.F1:0.000} | {score.TruePositives + score.FalsePositives} | {score.FalsePositives} |");
    }

    foreach (var t in new[] { 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99 }.Where(t => Math.Abs(t - threshold) > 1e-9))
    {
        var score = Score.Of(scores, s => s.MatchesVerified(defaults, t));
        Console.WriteLine($"| verifier >= {t:0.###}, default guards | {score.Precision:0.000} | {score.Recall:0.000} | {score.F1:0.000} | {score.TruePositives + score.FalsePositives} | {score.FalsePositives} |");
    }
}

// Time per pair of the verifier, one pair per call and batched, on the runner threads as the worker runs it.
static void VerifierCost(PairVerifier? verifier, List<LabelledPair> pairs)
{
    if (verifier is null)
    {
        return;
    }

    var list = pairs.Select(p => new TextPair(p.A, p.B)).ToList();
    verifier.ScoreAsync(list.Take(16).ToList()).GetAwaiter().GetResult();
    var clock = Stopwatch.StartNew();
    foreach (var pair in list.Take(100))
    {
        verifier.ScoreAsync([pair]).GetAwaiter().GetResult();
    }

    var single = clock.Elapsed.TotalMilliseconds / 100;
    clock.Restart();
    foreach (var chunk in list.Chunk(16))
    {
        verifier.ScoreAsync(chunk).GetAwaiter().GetResult();
    }

    var batched = clock.Elapsed.TotalMilliseconds / list.Count;
    Console.WriteLine();
    Console.WriteLine($"Pair verifier cost (Quora pairs): {single:0.0} ms a pair one at a time, {batched:0.0} ms a pair (wall) in calls of 16 over the runner threads.");
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
