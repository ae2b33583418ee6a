using System.Numerics.Tensors;

namespace PromptQueue.Worker.Embeddings;

/// <summary>One text's embedding: the mean-pooled, L2-normalised sentence vector (so cosine is a dot product).</summary>
public sealed record Embedding(float[] Vector, int WordPieces)
{
    public static double Cosine(Embedding a, Embedding b) => TensorPrimitives.Dot(a.Vector, b.Vector);
}
