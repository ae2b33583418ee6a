using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.SemanticEval;

/// <summary>
/// GPTCache's protocol, as the response cache runs it: every entry text is cached in one scope; each query is looked
/// up among the entries above the candidate floor, closest first, and the first candidate the matcher accepts is
/// served. A query is right when it is served its own entry and wrong when served any other; near-miss queries
/// (whose own entry is a different statement) are wrong whenever served.
/// </summary>
public static class CacheProtocol
{
    public sealed record Query(string Text, int OwnEntry, bool SameAsOwn);

    public sealed record Outcome(int Queries, int Right, int WrongOther, int WrongOwn, int Missed)
    {
        public int Wrong => WrongOther + WrongOwn;
    }

    /// <summary>
    /// A matcher as the cache runs it: the candidates it looks at (floor, how many), what it accepts, and what it is
    /// called with first: every candidate pair (the verifier scores them in one batch).
    /// </summary>
    public sealed record Matcher(string Name, double Floor, int Candidates, Func<string, Embedding, string, Embedding, bool> Accept, Action<IEnumerable<TextPair>>? Prefetch = null);

    /// <summary>Runs every query against the entries; the matcher says which candidates it looks at and which it may serve.</summary>
    public static Outcome Run(IReadOnlyList<string> entries, IReadOnlyList<Embedding> entryVectors, IReadOnlyList<Query> queries,
        IReadOnlyList<Embedding> queryVectors, Matcher matcher)
    {
        var candidates = queries.Select((query, q) => Enumerable.Range(0, entries.Count)
            .Select(e => (Entry: e, Cosine: Embedding.Cosine(queryVectors[q], entryVectors[e])))
            .Where(c => c.Cosine >= matcher.Floor)
            .OrderByDescending(c => c.Cosine)
            .Take(matcher.Candidates)
            .Select(c => c.Entry)
            .ToList()).ToList();
        matcher.Prefetch?.Invoke(candidates.SelectMany((list, q) => list.Select(e => new TextPair(queries[q].Text, entries[e]))));
        int right = 0, wrongOther = 0, wrongOwn = 0, missed = 0;
        for (var q = 0; q < queries.Count; q++)
        {
            var query = queries[q];
            var served = candidates[q]
                .Where(e => matcher.Accept(query.Text, queryVectors[q], entries[e], entryVectors[e]))
                .Select(e => (int?)e)
                .FirstOrDefault();
            if (served is null)
            {
                missed++;
            }
            else if (served != query.OwnEntry)
            {
                wrongOther++;
            }
            else if (query.SameAsOwn)
            {
                right++;
            }
            else
            {
                wrongOwn++;
            }
        }

        return new Outcome(queries.Count, right, wrongOther, wrongOwn, missed);
    }

    /// <summary>Cosine at or above <paramref name="threshold"/>, guards too when <paramref name="guarded"/> (the top 4 candidates above 0.5).</summary>
    public static Matcher Cosine(string name, double threshold, bool guarded, MatchOptions guards) =>
        new(name, 0.5, 4, (a, va, b, vb) => Embedding.Cosine(va, vb) >= threshold && (!guarded || SemanticMatcher.Guard(a, b, guards) is null));

    /// <summary>The worker's matcher with the verifier: its candidates (floor, Matching:MaxCandidates), the guards <paramref name="settings"/> turns on, the threshold.</summary>
    public static Matcher Verified(string name, MatchOptions settings, VerifierScores verifier) =>
        new(name, settings.CandidateFloor, settings.MaxCandidates,
            (a, _, b, _) => SemanticMatcher.Guard(a, b, settings) is null && verifier.Probability(a, b) >= verifier.Verifier.Threshold,
            verifier.Prefetch);
}
