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
    public static void Run(MiniLmEmbedder embedder, MatchOptions defaults, string quoraPath, string writtenDirectory, Action<string, List<LabelledPair>> evaluate)
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
            StatementsProtocol(embedder, defaults, [.. WrittenPairs.StatementTriples(statements)]);
        }

        GptCacheProtocol(embedder, defaults, split.Test);
    }

    private static void StatementsProtocol(MiniLmEmbedder embedder, MatchOptions defaults, List<(string Original, string Paraphrase, string NearMiss)> triples)
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
        foreach (var (name, accept) in Matchers(defaults))
        {
            var asked = CacheProtocol.Run(entries, entryVectors, paraphrases, paraphraseVectors, floor: 0.5, candidates: 4, accept);
            var near = CacheProtocol.Run(entries, entryVectors, nearMisses, nearMissVectors, floor: 0.5, candidates: 4, accept);
            Console.WriteLine($"| {name} | {asked.Right} | {asked.WrongOther} | {asked.Missed} | {near.Wrong} |");
        }
    }

    private static void GptCacheProtocol(MiniLmEmbedder embedder, MatchOptions defaults, List<LabelledPair> pairs)
    {
        var entries = pairs.Select(p => p.A).ToList();
        var queries = pairs.Select((p, i) => new CacheProtocol.Query(p.B, i, p.Duplicate)).ToList();
        var entryVectors = embedder.Embed(entries);
        var queryVectors = embedder.Embed([.. queries.Select(q => q.Text)]);
        Console.WriteLine();
        Console.WriteLine($"## GPTCache's protocol on the Quora test part: the first question of each of {pairs.Count} pairs cached, asked with the second");
        Console.WriteLine();
        Console.WriteLine("| matcher | duplicates served their own (right) | non-duplicates served their pair's (wrong) | served another pair's (not judged: often the same question in another pair) | missed |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, accept) in Matchers(defaults))
        {
            var outcome = CacheProtocol.Run(entries, entryVectors, queries, queryVectors, floor: 0.5, candidates: 4, accept);
            Console.WriteLine($"| {name} | {outcome.Right} | {outcome.WrongOwn} | {outcome.WrongOther} | {outcome.Missed} |");
        }
    }

    private static IEnumerable<(string Name, Func<string, Embedding, string, Embedding, bool> Accept)> Matchers(MatchOptions defaults)
    {
        yield return ($"cosine >= 0.85", CacheProtocol.Cosine(0.85, guarded: false, defaults));
        yield return ($"cosine >= 0.85 + guards", CacheProtocol.Cosine(0.85, guarded: true, defaults));
        yield return ($"cosine >= {defaults.SimilarityThreshold:0.00} + guards (default)", CacheProtocol.Cosine(defaults.SimilarityThreshold, guarded: true, defaults));
    }
}
