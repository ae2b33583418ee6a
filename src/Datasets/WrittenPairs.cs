using System.Text.Json;

namespace PromptQueue.Datasets;

/// <summary>
/// The labelled data written for this project (data/written): technical statements with a paraphrase and a
/// near-miss each, and pairs of LLM requests (paraphrases and near-misses) with their kind.
/// </summary>
public static class WrittenPairs
{
    /// <summary>
    /// A statements file as pairs: original/paraphrase (same), original/near-miss and paraphrase/near-miss (not the
    /// same), each with the statement's topic and the near-miss's kind; where a line has a second paraphrase
    /// (<c>paraphrase_2</c>), it adds original/paraphrase_2 and paraphrase/paraphrase_2 (same) and paraphrase_2/near-miss;
    /// where it has the near-miss reworded (<c>near_miss_reworded</c>: the changed meaning in other words, the kind of
    /// near-miss the verifier was confidently wrong on), that against original, paraphrase and paraphrase_2 (not the
    /// same) and against the near-miss (same).
    /// </summary>
    public static IEnumerable<KindedPair> Statements(string path)
    {
        foreach (var root in Lines(path))
        {
            var original = root.GetProperty("original").GetString()!;
            var paraphrase = root.GetProperty("paraphrase").GetString()!;
            var nearMiss = root.GetProperty("near_miss").GetString()!;
            var kind = root.GetProperty("near_miss_kind").GetString()!;
            var topic = root.GetProperty("topic").GetString()!;
            yield return new KindedPair(new LabelledPair(original, paraphrase, true), "paraphrase", topic);
            yield return new KindedPair(new LabelledPair(original, nearMiss, false), kind, topic);
            yield return new KindedPair(new LabelledPair(paraphrase, nearMiss, false), kind, topic);
            var paraphrase2 = Optional(root, "paraphrase_2");
            if (paraphrase2 is not null)
            {
                yield return new KindedPair(new LabelledPair(original, paraphrase2, true), "paraphrase", topic);
                yield return new KindedPair(new LabelledPair(paraphrase, paraphrase2, true), "paraphrase", topic);
                yield return new KindedPair(new LabelledPair(paraphrase2, nearMiss, false), kind, topic);
            }

            // The near-miss's changed meaning written in other words: a near-miss of every same-meaning side, and a
            // paraphrase of the near-miss itself.
            if (Optional(root, "near_miss_reworded") is { } nearMissReworded)
            {
                yield return new KindedPair(new LabelledPair(original, nearMissReworded, false), kind, topic);
                yield return new KindedPair(new LabelledPair(paraphrase, nearMissReworded, false), kind, topic);
                yield return new KindedPair(new LabelledPair(nearMiss, nearMissReworded, true), "paraphrase", topic);
                if (paraphrase2 is not null)
                {
                    yield return new KindedPair(new LabelledPair(paraphrase2, nearMissReworded, false), kind, topic);
                }
            }
        }
    }

    /// <summary>The statements of a statements file: each original with its paraphrase (for the cache-every-original protocol).</summary>
    public static IEnumerable<(string Original, string Paraphrase, string NearMiss)> StatementTriples(string path) =>
        Lines(path).Select(root => (root.GetProperty("original").GetString()!, root.GetProperty("paraphrase").GetString()!, root.GetProperty("near_miss").GetString()!));

    /// <summary>A requests file (<c>{"a", "b", "duplicate", "kind"}</c> a line) with each pair's kind.</summary>
    public static IEnumerable<KindedPair> Requests(string path)
    {
        foreach (var root in Lines(path))
        {
            var kind = root.TryGetProperty("kind", out var k) ? k.GetString()! : "";
            yield return new KindedPair(new LabelledPair(root.GetProperty("a").GetString()!, root.GetProperty("b").GetString()!, root.GetProperty("duplicate").GetBoolean()), kind, "");
        }
    }

    private static string? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } text ? text : null;

    private static IEnumerable<JsonElement> Lines(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                using var document = JsonDocument.Parse(line);
                yield return document.RootElement.Clone();
            }
        }
    }
}

/// <summary>A labelled pair with what kind of pair it is (paraphrase, or the near-miss's kind) and its topic, where known.</summary>
public sealed record KindedPair(LabelledPair Pair, string Kind, string Topic);
