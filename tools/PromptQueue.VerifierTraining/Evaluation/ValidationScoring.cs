using Microsoft.Extensions.Options;
using PromptQueue.Datasets;
using PromptQueue.VerifierTraining.Data;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.VerifierTraining.Evaluation;

/// <summary>
/// The validation pairs as the worker meets them, for the calibration: each with its set, the worker's own bi-encoder
/// cosine (the candidate floor cuts on it), whether a default guard vetoes it, and the shipped model's logit.
/// Used by the training run and by `calibrate`, so both write the same table for the same model.
/// </summary>
internal static class ValidationScoring
{
    public static List<(string Set, LabelledPair Pair)> Pairs(TrainingSets data) =>
        [.. data.QuoraValidation.Select(p => (Set: "quora", p.Pair)).Concat(data.WrittenValidation.Select(p => (Set: "written", p.Pair)))];

    public static List<ScoredPair> Score(IReadOnlyList<(string Set, LabelledPair Pair)> pairs, IReadOnlyList<float> logits)
    {
        var cosines = Cosines([.. pairs.Select(p => p.Pair)]);
        var guards = new MatchOptions();
        return [.. pairs.Select((v, i) => new ScoredPair(v.Set, v.Pair.Duplicate, cosines[i], logits[i], SemanticMatcher.Guard(v.Pair.A, v.Pair.B, guards) is not null))];
    }

    private static double[] Cosines(IReadOnlyList<LabelledPair> pairs)
    {
        using var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions()));
        var vectors = embedder.Embed([.. pairs.SelectMany(p => new[] { p.A, p.B })]);
        return [.. pairs.Select((_, i) => Embedding.Cosine(vectors[2 * i], vectors[(2 * i) + 1]))];
    }
}
