using PromptQueue.Datasets;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.SemanticEval;

/// <summary>
/// Figures on data no setting was chosen on: the test part of the Quora pairs split by question groups
/// (<see cref="HeldOutSplit"/>, the same split the verifier's training uses), the written test sets, and the
/// cache protocols (every original cached, asked with its paraphrase and its near-miss; GPTCache's on the Quora test part).
/// </summary>
public static class HeldOutReport
{
    /// <summary>
    /// The validation parts the verifier was calibrated on (the Quora validation part, what <see cref="WrittenSplit"/>
    /// holds back of the written train files): where a default such as the guards may be chosen, never on the test figures.
    /// </summary>
    public static void Validation(MiniLmEmbedder embedder, MatchOptions defaults, VerifierScores? verifier, string quoraPath, string writtenDirectory, Action<string, List<LabelledPair>> evaluate)
    {
        var split = HeldOutSplit.Of([.. LabelledPairs.Read(quoraPath)]);
        evaluate($"Quora pairs, validation part of the question-group split (seed {HeldOutSplit.Seed})", split.Validation);
        if (verifier is not null)
        {
            // How many of a request's nearest candidates to verify (Matching:MaxCandidates): each costs a verifier pass.
            List<CacheProtocol.Matcher> byCandidates = [.. new[] { 1, 2, 3, 5 }.Select(n => CacheProtocol.Verified(
                $"verifier, {n} candidate(s) per request{(n == defaults.MaxCandidates ? " (default)" : "")}",
                new MatchOptions { CandidateFloor = defaults.CandidateFloor, MaxCandidates = n }, verifier))];
            GptCacheProtocol(embedder, byCandidates, split.Validation, "validation");
        }

        var written = WrittenSplit.Of(writtenDirectory);
        evaluate($"Written validation: statements of the held-back topics ({string.Join(", ", written.TopicsHeldBack)})", [.. written.StatementsHeldBack.Select(p => p.Pair)]);
        evaluate("Written validation: the held-back LLM-request lines", [.. written.RequestsHeldBack.Select(p => p.Pair)]);
    }

    public static void Run(MiniLmEmbedder embedder, MatchOptions defaults, VerifierScores? verifier, string quoraPath, string writtenDirectory, Action<string, List<LabelledPair>> evaluate)
    {
        var split = HeldOutSplit.Of([.. LabelledPairs.Read(quoraPath)]);
        evaluate($"Quora pairs, test part of the question-group split (seed {HeldOutSplit.Seed}): no question of it is in the training part", split.Test);

        var statements = Path.Combine(writtenDirectory, "tech-statements-test.jsonl");
        var requests = Path.Combine(writtenDirectory, "llm-requests-test.jsonl");
        if (File.Exists(requests))
        {
            evaluate("LLM requests written for this project, test set (paraphrases and near-misses)", [.. WrittenPairs.Requests(requests).Select(p => p.Pair)]);
        }

        if (File.Exists(statements))
        {
            evaluate("Technical statements written for this project, test set (original/paraphrase, and each with its near-miss)", [.. WrittenPairs.Statements(statements).Select(p => p.Pair)]);
            StatementsProtocol(embedder, Matchers(defaults, verifier), [.. WrittenPairs.StatementTriples(statements)]);
        }

        GptCacheProtocol(embedder, Matchers(defaults, verifier), split.Test, "test");
    }

    private static void StatementsProtocol(MiniLmEmbedder embedder, List<CacheProtocol.Matcher> matchers, List<(string Original, string Paraphrase, string NearMiss)> triples)
    {
        var entries = triples.Select(t => t.Original).ToList();
        var paraphrases = triples.Select((t, i) => new CacheProtocol.Query(t.Paraphrase, i, SameAsOwn: true)).ToList();
        var nearMisses = triples.Select((t, i) => new CacheProtocol.Query(t.NearMiss, i, SameAsOwn: false)).ToList();
        var entryVectors = embedder.Embed(entries);
        var paraphraseVectors = embedder.Embed([.. paraphrases.Select(q => q.Text)]);
        var nearMissVectors = embedder.Embed([.. nearMisses.Select(q => q.Text)]);
        Console.WriteLine();
        Console.WriteLine($"## Cache every original, ask with its paraphrase, then with its near-miss ({entries.Count} technical statements, test set)");
        Console.WriteLine();
        Console.WriteLine("| matcher | paraphrases served their own | served another | missed | near-misses served (wrong) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var matcher in matchers)
        {
            var asked = CacheProtocol.Run(entries, entryVectors, paraphrases, paraphraseVectors, matcher);
            var near = CacheProtocol.Run(entries, entryVectors, nearMisses, nearMissVectors, matcher);
            Console.WriteLine($"| {matcher.Name} | {asked.Right} | {asked.WrongOther} | {asked.Missed} | {near.Wrong} |");
        }
    }

    private static void GptCacheProtocol(MiniLmEmbedder embedder, List<CacheProtocol.Matcher> matchers, List<LabelledPair> pairs, string part)
    {
        var entries = pairs.Select(p => p.A).ToList();
        var queries = pairs.Select((p, i) => new CacheProtocol.Query(p.B, i, p.Duplicate)).ToList();
        var entryVectors = embedder.Embed(entries);
        var queryVectors = embedder.Embed([.. queries.Select(q => q.Text)]);
        Console.WriteLine();
        Console.WriteLine($"## GPTCache's protocol on the Quora {part} part: the first question of each of {pairs.Count} pairs cached, asked with the second");
        Console.WriteLine();
        Console.WriteLine("| matcher | duplicates served their own (right) | non-duplicates served their pair's (wrong) | served another pair's (not judged: often the same question in another pair) | missed |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var matcher in matchers)
        {
            var outcome = CacheProtocol.Run(entries, entryVectors, queries, queryVectors, matcher);
            Console.WriteLine($"| {matcher.Name} | {outcome.Right} | {outcome.WrongOwn} | {outcome.WrongOther} | {outcome.Missed} |");
        }
    }

    private static List<CacheProtocol.Matcher> Matchers(MatchOptions defaults, VerifierScores? verifier)
    {
        List<CacheProtocol.Matcher> matchers =
        [
            CacheProtocol.Cosine("cosine >= 0.85", 0.85, guarded: false, defaults),
            CacheProtocol.Cosine("cosine >= 0.85 + guards", 0.85, guarded: true, defaults),
            CacheProtocol.Cosine($"cosine >= {defaults.SimilarityThreshold:0.00} + guards (verifier off)", defaults.SimilarityThreshold, guarded: true, defaults),
        ];
        if (verifier is not null)
        {
            var threshold = $"verifier >= {verifier.Verifier.Threshold:0.###}";
            var none = new MatchOptions { GuardNumbers = false, GuardPolarity = false, GuardEntities = false };
            var all = new MatchOptions { GuardNumbers = true, GuardPolarity = true, GuardEntities = true };
            matchers.Add(CacheProtocol.Verified($"{threshold}, no guards{Mark(none, defaults)}", none, verifier));
            matchers.Add(CacheProtocol.Verified($"{threshold} + all three guards{Mark(all, defaults)}", all, verifier));
            if (Mark(none, defaults) == "" && Mark(all, defaults) == "")
            {
                matchers.Add(CacheProtocol.Verified($"{threshold}, default guards (default)", defaults, verifier));
            }
        }

        return matchers;
    }

    private static string Mark(MatchOptions guards, MatchOptions defaults) =>
        guards.GuardNumbers == defaults.GuardNumbers && guards.GuardPolarity == defaults.GuardPolarity && guards.GuardEntities == defaults.GuardEntities ? " (default)" : "";
}
