using System.IO.Hashing;
using System.Text;

namespace PromptQueue.Datasets;

/// <summary>A text's place in [0, 1) by a seeded hash: the same on every machine and in any order of reading.</summary>
public static class SeededShare
{
    public static double Of(int seed, string text)
    {
        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text), seed);
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
