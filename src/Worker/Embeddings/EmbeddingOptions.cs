using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Embeddings;

/// <summary>The local embedding model (all-MiniLM-L6-v2 on ONNX Runtime). Section "Embeddings".</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>ONNX Runtime intra-op threads. 0 lets ONNX Runtime choose (one per core).</summary>
    [Range(0, 64)]
    public int Threads { get; set; }

    /// <summary>Texts per ONNX Runtime call; larger batches are split (texts of similar length together).</summary>
    [Range(1, 1024)]
    public int MaxBatchSize { get; set; } = 32;
}
