namespace PromptQueue.Datasets;

/// <summary>
/// The written train files (data/written/tech-statements-train*.jsonl and llm-requests-train*.jsonl) split into what
/// the verifier trains on and what it is validated and calibrated on: a sixth of each statements file's topics (rounded
/// up; 2 of the first file's 12) held back whole, and 20 % of the request lines, both chosen by <see cref="SeededShare"/>
/// with <see cref="HeldOutSplit.Seed"/> so they never change with a training seed, and so adding a file never moves a
/// line of an earlier file between train and validation. The training tool and scripts/eval-semantic's validation report
/// read the same split. The test files are not read here.
/// </summary>
public sealed record WrittenSplit(List<KindedPair> Statements, List<KindedPair> StatementsHeldBack, List<KindedPair> Requests, List<KindedPair> RequestsHeldBack, List<string> TopicsHeldBack)
{
    public const int TopicsPerTopicHeldBack = 6;
    public const double HeldBackRequestShare = 0.2;

    /// <summary>The statements train files of a written folder, in name order.</summary>
    public static IEnumerable<string> StatementFiles(string writtenDirectory) => Files(writtenDirectory, "tech-statements-train*.jsonl");

    /// <summary>The request train files of a written folder, in name order.</summary>
    public static IEnumerable<string> RequestFiles(string writtenDirectory) => Files(writtenDirectory, "llm-requests-train*.jsonl");

    public static WrittenSplit Of(string writtenDirectory)
    {
        List<KindedPair> statements = [], statementsHeldBack = [];
        List<string> topicsHeldBack = [];
        foreach (var file in StatementFiles(writtenDirectory))
        {
            var lines = WrittenPairs.Statements(file).ToList();
            var topics = lines.Select(s => s.Topic).Distinct(StringComparer.Ordinal).ToList();
            var held = topics.OrderBy(topic => SeededShare.Of(HeldOutSplit.Seed, topic))
                .Take((topics.Count + TopicsPerTopicHeldBack - 1) / TopicsPerTopicHeldBack).ToHashSet(StringComparer.Ordinal);
            statements.AddRange(lines.Where(s => !held.Contains(s.Topic)));
            statementsHeldBack.AddRange(lines.Where(s => held.Contains(s.Topic)));
            topicsHeldBack.AddRange(held.Order(StringComparer.Ordinal));
        }

        var requests = RequestFiles(writtenDirectory).SelectMany(WrittenPairs.Requests).ToList();
        bool Held(KindedPair r) => SeededShare.Of(HeldOutSplit.Seed, r.Pair.A + "\n" + r.Pair.B) < HeldBackRequestShare;
        return new WrittenSplit(statements, statementsHeldBack, [.. requests.Where(r => !Held(r))], [.. requests.Where(Held)], topicsHeldBack);
    }

    /// <summary>The held-back statements and requests, in that order: the written validation pairs.</summary>
    public IEnumerable<KindedPair> Validation => StatementsHeldBack.Concat(RequestsHeldBack);

    private static IEnumerable<string> Files(string directory, string pattern) =>
        // By name without the extension, so "x-train" comes before "x-train-2" ('-' sorts before '.' in the full names).
        Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).OrderBy(Path.GetFileNameWithoutExtension, StringComparer.Ordinal) : [];
}
