namespace PromptQueue.Worker.Embeddings;

/// <summary>Turns texts into embeddings, one batched model call per request batch.</summary>
public interface ITextEmbedder
{
    /// <summary>True when the whole text fits the model's input window.</summary>
    bool Fits(string text);

    IReadOnlyList<Embedding> Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
