using PromptQueue.Datasets;

namespace PromptQueue.Bench.Cache;

/// <summary>Questions the file labels duplicates of each other: connected by duplicate pairs (union-find), text normalised.</summary>
internal sealed class QuestionLabels
{
    private readonly Dictionary<string, string> _parent = new(StringComparer.Ordinal);

    public static QuestionLabels Of(List<LabelledPair> all)
    {
        var labels = new QuestionLabels();
        foreach (var pair in all.Where(p => p.Duplicate))
        {
            labels.Union(Normalize(pair.A), Normalize(pair.B));
        }

        return labels;
    }

    public bool Duplicates(string a, string b) => Find(Normalize(a)) == Find(Normalize(b));

    private static string Normalize(string text) => string.Join(' ', text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('?', '.', ' ');

    private string Find(string x)
    {
        while (_parent.TryGetValue(x, out var parent) && parent != x)
        {
            x = parent;
        }

        return x;
    }

    private void Union(string a, string b)
    {
        var (ra, rb) = (Find(a), Find(b));
        _parent.TryAdd(ra, ra);
        _parent[rb] = ra;
    }
}
