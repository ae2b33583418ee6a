using PromptQueue.Datasets;

namespace PromptQueue.VerifierTraining.Tests;

/// <summary>
/// The written train/validation split over several files: a sixth of each statements file's topics held back whole,
/// a fifth of the request lines, and adding a file moves no line of an earlier one between train and validation.
/// </summary>
public sealed class WrittenSplitTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("written-split-").FullName;

    [Fact]
    public void Adding_a_file_keeps_the_earlier_files_split_and_holds_back_a_sixth_of_its_topics()
    {
        WriteStatements("tech-statements-train.jsonl", "first", 12);
        WriteRequests("llm-requests-train.jsonl", "first", 200);
        var before = WrittenSplit.Of(_folder);

        WriteStatements("tech-statements-train-2.jsonl", "second", 13, paraphrase2: true);
        WriteRequests("llm-requests-train-2.jsonl", "second", 200);
        var after = WrittenSplit.Of(_folder);

        Assert.Equal(2, before.TopicsHeldBack.Count);
        Assert.Equal(2 + 3, after.TopicsHeldBack.Count);
        Assert.Equal(before.TopicsHeldBack, after.TopicsHeldBack.Take(2));
        Assert.All(after.TopicsHeldBack.Skip(2), topic => Assert.StartsWith("second", topic, StringComparison.Ordinal));
        Assert.Equal(before.StatementsHeldBack, after.StatementsHeldBack.Take(before.StatementsHeldBack.Count));
        Assert.Subset(after.Requests.ToHashSet(), before.Requests.ToHashSet());
        Assert.Subset(after.RequestsHeldBack.ToHashSet(), before.RequestsHeldBack.ToHashSet());
        Assert.Empty(after.Statements.Select(s => s.Topic).Intersect(after.TopicsHeldBack));

        // A line with a second paraphrase gives 3 same pairs and 3 near-miss pairs; a line without gives 1 and 2.
        var second = after.Statements.Concat(after.StatementsHeldBack).Where(s => s.Topic.StartsWith("second", StringComparison.Ordinal)).ToList();
        Assert.Equal(13 * 3, second.Count(s => s.Pair.Duplicate));
        Assert.Equal(13 * 3, second.Count(s => !s.Pair.Duplicate));

        var heldShare = (double)after.RequestsHeldBack.Count / (after.Requests.Count + after.RequestsHeldBack.Count);
        Assert.InRange(heldShare, 0.12, 0.28);
    }

    [Fact]
    public void The_test_files_are_never_read()
    {
        WriteStatements("tech-statements-train.jsonl", "first", 6);
        File.WriteAllText(Path.Combine(_folder, "tech-statements-test.jsonl"), "not json");
        File.WriteAllText(Path.Combine(_folder, "llm-requests-test.jsonl"), "not json");

        var split = WrittenSplit.Of(_folder);

        Assert.Equal(6 * 3, split.Statements.Count + split.StatementsHeldBack.Count);
        Assert.Empty(split.Requests);
    }

    private void WriteStatements(string file, string prefix, int topics, bool paraphrase2 = false) =>
        File.WriteAllLines(Path.Combine(_folder, file), Enumerable.Range(1, topics).Select(t =>
            $$"""{"id": "{{prefix}}-{{t}}", "topic": "{{prefix}}-topic-{{t}}", "original": "{{prefix}} statement {{t}} holds.", "paraphrase": "It holds: {{prefix}} statement {{t}}.", {{(paraphrase2 ? $"\"paraphrase_2\": \"{prefix} statement {t} is true.\", " : "")}}"near_miss": "{{prefix}} statement {{t}} fails.", "near_miss_kind": "negation"}"""));

    private void WriteRequests(string file, string prefix, int lines) =>
        File.WriteAllLines(Path.Combine(_folder, file), Enumerable.Range(1, lines).Select(i =>
            $$"""{"a": "{{prefix}} question {{i}}?", "b": "{{prefix}} question {{i}}, please?", "duplicate": {{(i % 2 == 0 ? "true" : "false")}}, "kind": "paraphrase"}"""));

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
