using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Embeddings;

/// <summary>The local embedding model (all-MiniLM-L6-v2 on ONNX Runtime). Section "Embeddings".</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>
    /// ONNX Runtime intra-op threads per model run. 1 (default): a run uses one core and runs go side by side, which
    /// measured faster on a busy 2-core worker than one run spread over both cores (docs/semantic-matching.md).
    /// 0 lets ONNX Runtime choose (one per core).
    /// </summary>
    [Range(0, 64)]
    public int Threads { get; set; } = 1;

    /// <summary>Model runs at the same time. 0 (default): one per processor core.</summary>
    [Range(0, 64)]
    public int ConcurrentRuns { get; set; }

    /// <summary>
    /// Texts per model run; a larger request is sorted by length and split, and its runs go side by side. Small
    /// runs pad less: on CPU, 4-8 measured faster than 32 (docs/semantic-matching.md).
    /// </summary>
    [Range(1, 1024)]
    public int MaxBatchSize { get; set; } = 8;
}
