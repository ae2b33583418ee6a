using System.Numerics.Tensors;
using PromptQueue.Worker.Caching;

namespace PromptQueue.Worker.Tests.Caching;

public sealed class ScopeIndexTests
{
    private static float[] Vector(int seed, float[]? near = null, double noise = 0)
    {
        var random = new Random(seed);
        var vector = new float[ScopeIndex.Dimensions];
        for (var d = 0; d < vector.Length; d++)
        {
            vector[d] = near is null ? (float)(random.NextDouble() - 0.5) : near[d] + (float)((random.NextDouble() - 0.5) * noise);
        }

        var norm = TensorPrimitives.Norm(vector);
        TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }

    [Fact]
    public void The_closest_entry_above_the_threshold_is_found_with_its_text_and_similarity()
    {
        var index = new ScopeIndex(1000);
        var target = Vector(1);
        for (var i = 0; i < 500; i++)
        {
            index.Upsert($"k{i}", Vector(100 + i), $"text {i}");
        }

        index.Upsert("target", target, "the target");

        var match = Assert.Single(index.Search(Vector(2, near: target, noise: 0.02), candidates: 16, minSimilarity: 0.9));
        Assert.Equal("target", match.Key);
        Assert.Equal("the target", match.Text);
        Assert.InRange(match.Similarity, 0.9, 1.0);
    }

    [Fact]
    public void Removed_entries_are_not_found_and_the_others_still_are()
    {
        var index = new ScopeIndex(10);
        index.Upsert("a", Vector(1), "a");
        index.Upsert("b", Vector(2), "b");
        index.Upsert("c", Vector(3), "c");

        Assert.True(index.Remove("a"));

        Assert.Empty(index.Search(Vector(1), 8, 0.99));
        Assert.Equal("c", Assert.Single(index.Search(Vector(3), 8, 0.99)).Key); // moved into a's slot
        Assert.Equal(2, index.Count);
    }

    [Fact]
    public void Past_its_cap_the_oldest_entry_goes()
    {
        var index = new ScopeIndex(2);
        index.Upsert("old", Vector(1), "old");
        index.Upsert("mid", Vector(2), "mid");
        index.Upsert("new", Vector(3), "new");

        Assert.Equal(2, index.Count);
        Assert.Empty(index.Search(Vector(1), 8, 0.99));
        Assert.Single(index.Search(Vector(3), 8, 0.99));
    }

    [Fact]
    public void Index_values_round_trip_through_their_Redis_encoding()
    {
        var vector = Vector(5);

        var (decoded, text) = ScopeIndexes.Decode(ScopeIndexes.Encode(vector, "Wie geht's? ünïcode"));

        Assert.Equal("Wie geht's? ünïcode", text);
        Assert.InRange(TensorPrimitives.Dot(vector, decoded), 0.9999, 1.0001);
    }
}
