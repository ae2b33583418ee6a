using System.IO.Compression;
using System.Text.Json;

namespace PromptQueue.Datasets;

/// <summary>
/// Reads labelled pairs from JSONL, one <c>{"a": …, "b": …, "duplicate": …}</c> object a line, gzip-compressed
/// (../shared/data/qqp-pairs-dev.jsonl.gz) or plain (eval/llm-request-pairs.jsonl).
/// </summary>
public static class LabelledPairs
{
    /// <summary>Every pair with its label, in file order, read as the caller enumerates (the file is open until then).</summary>
    public static IEnumerable<LabelledPair> Read(string path)
    {
        using var reader = new StreamReader(OpenDecompressed(path));
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var pair = JsonDocument.Parse(line);
            var root = pair.RootElement;
            yield return new LabelledPair(root.GetProperty("a").GetString()!, root.GetProperty("b").GetString()!, root.GetProperty("duplicate").GetBoolean());
        }
    }

    /// <summary><paramref name="size"/> pairs of the file taken as <paramref name="spread"/> says; all of them when size is 0 or less.</summary>
    public static List<LabelledPair> Sample(string path, int size, PairSpread spread) => Sample([.. Read(path)], size, spread);

    /// <summary><paramref name="size"/> of <paramref name="all"/> taken as <paramref name="spread"/> says; all of them when size is 0 or less.</summary>
    public static List<LabelledPair> Sample(IReadOnlyList<LabelledPair> all, int size, PairSpread spread)
    {
        if (size <= 0 || size >= all.Count)
        {
            return [.. all];
        }

        if (spread == PairSpread.Even)
        {
            var step = (double)all.Count / size;
            return [.. Enumerable.Range(0, size).Select(i => all[(int)(i * step)])];
        }

        var wholeStep = all.Count / size;
        return [.. all.Where((_, i) => i % wholeStep == 0).Take(size)];
    }

    /// <summary>Both questions of every pair, the first then the second, in file order, read as the caller enumerates.</summary>
    public static IEnumerable<string> Questions(string path) => Read(path).SelectMany(pair => new[] { pair.A, pair.B });

    /// <summary>
    /// First questions of the pairs labelled not duplicate, each text once (case aside), in file order: questions
    /// that should not match each other. Read as the caller enumerates.
    /// </summary>
    public static IEnumerable<string> DistinctUnrelatedQuestions(string path) =>
        Read(path).Where(pair => !pair.Duplicate).Select(pair => pair.A).Distinct(StringComparer.OrdinalIgnoreCase);

    private static Stream OpenDecompressed(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        var gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }
}
