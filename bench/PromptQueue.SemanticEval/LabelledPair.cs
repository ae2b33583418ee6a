using System.IO.Compression;
using System.Text.Json;

namespace PromptQueue.SemanticEval;

/// <summary>Two texts and whether they mean the same (the GPTCache benchmark's duplicate flag).</summary>
public sealed record LabelledPair(string A, string B, bool Duplicate)
{
    /// <summary>Reads JSONL ("a", "b", "duplicate"), gzip or plain; takes every k-th pair so a sample spans the file.</summary>
    public static List<LabelledPair> Read(string path, int limit)
    {
        var all = new List<LabelledPair>();
        using var file = File.OpenRead(path);
        using var stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var pair = JsonDocument.Parse(line);
            var root = pair.RootElement;
            all.Add(new LabelledPair(root.GetProperty("a").GetString()!, root.GetProperty("b").GetString()!, root.GetProperty("duplicate").GetBoolean()));
        }

        if (limit <= 0 || limit >= all.Count)
        {
            return all;
        }

        var step = (double)all.Count / limit;
        return [.. Enumerable.Range(0, limit).Select(i => all[(int)(i * step)])];
    }
}
