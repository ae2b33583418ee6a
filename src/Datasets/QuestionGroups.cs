namespace PromptQueue.Datasets;

/// <summary>
/// Splits labelled pairs by connected question groups: Quora questions recur across pairs, so a random split by
/// pair would put the same question in training and test (the model would be judged on text it learned). Two pairs
/// are in one group when they share a question (compared case- and space-insensitively); each whole group goes to
/// one part, chosen by a seeded hash of the group's smallest question, so the split is the same on every machine.
/// </summary>
public static class QuestionGroups
{
    public static PairSplit Split(IReadOnlyList<LabelledPair> pairs, int seed, double validationShare, double testShare)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(validationShare);
        ArgumentOutOfRangeException.ThrowIfNegative(testShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(validationShare + testShare, 1.0);

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var parent = new List<int>();
        int Id(string text)
        {
            var key = Normalise(text);
            if (!ids.TryGetValue(key, out var id))
            {
                id = ids[key] = parent.Count;
                parent.Add(id);
            }

            return id;
        }

        int Find(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }

            return x;
        }

        var ends = pairs.Select(p => (A: Id(p.A), B: Id(p.B))).ToList();
        foreach (var (a, b) in ends)
        {
            var (ra, rb) = (Find(a), Find(b));
            if (ra != rb)
            {
                parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
            }
        }

        // The group's name: its smallest question text, so the choice does not depend on the file's order.
        var names = new Dictionary<int, string>();
        foreach (var (text, id) in ids)
        {
            var root = Find(id);
            if (!names.TryGetValue(root, out var name) || string.CompareOrdinal(text, name) < 0)
            {
                names[root] = text;
            }
        }

        var split = new PairSplit([], [], []);
        for (var i = 0; i < pairs.Count; i++)
        {
            var share = SeededShare.Of(seed, names[Find(ends[i].A)]);
            var part = share < testShare ? split.Test : share < testShare + validationShare ? split.Validation : split.Train;
            part.Add(pairs[i]);
        }

        return split;
    }

    /// <summary>How questions are compared for grouping: lower case, runs of white space as one space, trimmed.</summary>
    public static string Normalise(string text) => string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>Pairs split three ways; no question of one part occurs in another.</summary>
public sealed record PairSplit(List<LabelledPair> Train, List<LabelledPair> Validation, List<LabelledPair> Test);
