using System.Runtime.InteropServices;
using PromptQueue.Contracts;
using PromptQueue.Datasets;
using PromptQueue.Producer.Sample;

namespace PromptQueue.Bench.Suite;

/// <summary>What a W2 request is, relative to the requests before it in the stream.</summary>
public enum W2Kind
{
    /// <summary>A question not asked before in the stream.</summary>
    New,

    /// <summary>The same text as an earlier request.</summary>
    ExactRepeat,

    /// <summary>The other question of a pair labelled duplicate, whose first question was asked earlier.</summary>
    Paraphrase,

    /// <summary>The other question of a pair labelled not duplicate (and sharing most words), whose first was asked earlier.</summary>
    NearMiss,
}

public sealed record W2Item(string Text, W2Kind Kind);

/// <summary>
/// W2's request stream, built from the labelled Quora pairs with a fixed seed: about 30 % exact repeats of earlier
/// requests, 20 % paraphrases of earlier requests (labelled duplicates), 10 % near-misses (labelled non-duplicates
/// that share most of their words with an earlier request) and 40 % new questions. The labels also judge every
/// answer a worker served from another request's call: right (same text or a labelled duplicate), wrong (a labelled
/// non-duplicate) or unknown (two questions the file never compares).
/// </summary>
public sealed class W2Traffic
{
    private readonly Dictionary<(string, string), bool> _labels = new();

    public W2Traffic(string pairsPath, int length, int seed = 42)
    {
        var duplicates = new List<(string A, string B)>();
        var nearMisses = new List<(string A, string B)>();
        foreach (var pair in LabelledPairs.Read(pairsPath))
        {
            var (a, b) = (pair.A.Trim(), pair.B.Trim());
            _labels[Key(a, b)] = pair.Duplicate;
            if (pair.Duplicate)
            {
                duplicates.Add((a, b));
            }
            else if (WordOverlap(a, b) >= 0.5)
            {
                nearMisses.Add((a, b));
            }
        }

        var random = new Random(seed);
        random.Shuffle(CollectionsMarshal.AsSpan(duplicates));
        random.Shuffle(CollectionsMarshal.AsSpan(nearMisses));
        Items = Build(random, duplicates, nearMisses, length);
    }

    public IReadOnlyList<W2Item> Items { get; }

    /// <summary>The first <paramref name="count"/> items as requests of one tenant, with fresh RequestIds.</summary>
    public List<CompletionRequest> Requests(string tenant, int count) =>
        [.. Items.Take(count).Select((item, i) => new CompletionRequest
        {
            RequestId = $"{tenant}-{i}",
            TenantId = tenant,
            Model = "sim-small",
            Temperature = 0,
            MaxTokens = 64,
            Metadata = new Dictionary<string, string> { ["class"] = item.Kind.ToString() },
            Messages = [new ChatMessage { Role = "system", Content = "Answer the user's question in one short paragraph." }, new ChatMessage { Role = "user", Content = item.Text }],
        })];

    /// <summary>Judges the answers served from another request's call (semantic cache hits and coalesced requests).</summary>
    public W2Verdict Judge(IReadOnlyList<CompletionRequest> requests, IEnumerable<ReceivedResult> results)
    {
        var texts = requests.ToDictionary(r => r.RequestId, r => r.Messages[^1].Content!.Text!);
        int reused = 0, right = 0, wrong = 0, unknown = 0;
        var wrongExamples = new List<(string Asked, string Answered)>();
        foreach (var result in results)
        {
            if (result.MatchedRequestId is not { } matched || !texts.TryGetValue(result.RequestId, out var asked) || !texts.TryGetValue(matched, out var source))
            {
                continue;
            }

            reused++;
            if (string.Equals(asked, source, StringComparison.OrdinalIgnoreCase) || _labels.GetValueOrDefault(Key(asked, source), false))
            {
                right++;
            }
            else if (_labels.ContainsKey(Key(asked, source)))
            {
                wrong++;
                if (wrongExamples.Count < 5)
                {
                    wrongExamples.Add((asked, source));
                }
            }
            else
            {
                unknown++;
            }
        }

        return new W2Verdict(reused, right, wrong, unknown, wrongExamples);
    }

    private static List<W2Item> Build(Random random, List<(string A, string B)> duplicates, List<(string A, string B)> nearMisses, int length)
    {
        var items = new List<W2Item>(length);
        var asked = new List<string>();
        var paraphraseDue = new List<string>();   // B of duplicate pairs whose A was asked
        var nearMissDue = new List<string>();     // B of near-miss pairs whose A was asked
        int nextDuplicate = 0, nextNearMiss = 0;
        while (items.Count < length)
        {
            var roll = random.NextDouble();
            if (roll < 0.30 && asked.Count > 0)
            {
                items.Add(new W2Item(asked[random.Next(asked.Count)], W2Kind.ExactRepeat));
            }
            else if (roll < 0.50 && paraphraseDue.Count > 0)
            {
                items.Add(new W2Item(Take(random, paraphraseDue), W2Kind.Paraphrase));
            }
            else if (roll < 0.60 && nearMissDue.Count > 0)
            {
                items.Add(new W2Item(Take(random, nearMissDue), W2Kind.NearMiss));
            }
            else
            {
                // New questions come from duplicate and near-miss pairs 2:1, so both kinds of follow-up stay available.
                var (a, b, due) = random.Next(3) < 2 || nextNearMiss >= nearMisses.Count
                    ? (duplicates[nextDuplicate].A, duplicates[nextDuplicate++].B, paraphraseDue)
                    : (nearMisses[nextNearMiss].A, nearMisses[nextNearMiss++].B, nearMissDue);
                items.Add(new W2Item(a, W2Kind.New));
                due.Add(b);
            }

            if (items[^1].Kind != W2Kind.ExactRepeat)
            {
                asked.Add(items[^1].Text);
            }
        }

        return items;
    }

    private static string Take(Random random, List<string> due)
    {
        var index = random.Next(due.Count);
        var text = due[index];
        due[index] = due[^1];
        due.RemoveAt(due.Count - 1);
        return text;
    }

    private static double WordOverlap(string a, string b)
    {
        var wa = Words(a);
        var wb = Words(b);
        return wa.Count == 0 || wb.Count == 0 ? 0 : wa.Intersect(wb).Count() / (double)wa.Union(wb).Count();
    }

    private static HashSet<string> Words(string text) =>
        [.. text.ToLowerInvariant().Split([' ', '?', ',', '.', '!', '"', '\''], StringSplitOptions.RemoveEmptyEntries)];

    private static (string, string) Key(string a, string b)
    {
        var (x, y) = (a.ToLowerInvariant(), b.ToLowerInvariant());
        return string.CompareOrdinal(x, y) <= 0 ? (x, y) : (y, x);
    }
}

/// <summary>Answers served from another request's call, judged by the labels.</summary>
public sealed record W2Verdict(int Reused, int Right, int Wrong, int Unknown, IReadOnlyList<(string Asked, string Answered)> WrongExamples);
