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

    /// <summary>Runs every query against the entries; <paramref name="accept"/> says whether a candidate may be served.</summary>
    public static Outcome Run(IReadOnlyList<string> entries, IReadOnlyList<Embedding> entryVectors, IReadOnlyList<Query> queries,
        IReadOnlyList<Embedding> queryVectors, double floor, int candidates, Func<string, Embedding, string, Embedding, bool> accept)
    {
        int right = 0, wrongOther = 0, wrongOwn = 0, missed = 0;
        for (var q = 0; q < queries.Count; q++)
        {
            var query = queries[q];
            var served = Enumerable.Range(0, entries.Count)
                .Select(e => (Entry: e, Cosine: Embedding.Cosine(queryVectors[q], entryVectors[e])))
                .Where(c => c.Cosine >= floor)
                .OrderByDescending(c => c.Cosine)
                .Take(candidates)
                .Select(c => c.Entry)
                .Where(e => accept(query.Text, queryVectors[q], entries[e], entryVectors[e]))
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

    /// <summary>Cosine at or above <paramref name="threshold"/>, guards too when <paramref name="guarded"/>.</summary>
    public static Func<string, Embedding, string, Embedding, bool> Cosine(double threshold, bool guarded, MatchOptions guards) =>
        (a, va, b, vb) => Embedding.Cosine(va, vb) >= threshold && (!guarded || SemanticMatcher.Guard(a, b, guards) is null);
}
