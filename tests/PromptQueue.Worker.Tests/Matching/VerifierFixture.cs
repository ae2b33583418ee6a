using Microsoft.Extensions.Options;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Tests.Matching;

/// <summary>The shipped pair verifier (models/pair-verifier, copied beside the worker's assembly) at the default budget, and the embedder.</summary>
public sealed class VerifierFixture : IDisposable
{
    public VerifierFixture()
    {
        Runners = new ModelRunners(2);
        Verifier = new PairVerifier(Options.Create(new MatchOptions()), Options.Create(new EmbeddingOptions()), Runners);
        Embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions()), Runners);
    }

    public ModelRunners Runners { get; }

    public PairVerifier Verifier { get; }

    public MiniLmEmbedder Embedder { get; }

    public void Dispose()
    {
        Verifier.Dispose();
        Embedder.Dispose();
        Runners.Dispose();
    }
}
