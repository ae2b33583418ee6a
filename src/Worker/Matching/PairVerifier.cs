using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Matching;

/// <summary>Two prompts to compare.</summary>
public readonly record struct TextPair(string A, string B);

/// <summary>
/// The trained pair verifier (issue 15; models/pair-verifier/MODEL_CARD.md): all-MiniLM-L6-v2 fine-tuned as a
/// cross-encoder that reads both prompts together and gives the probability that they ask the same thing. A call's
/// pairs are split evenly over the runner threads the embedder uses (<see cref="ModelRunners"/>), each pair scored
/// alone (<see cref="PairVerifierModel"/> says why). The threshold comes from the shipped calibration and
/// Matching:MaxWrongRate.
/// </summary>
public sealed class PairVerifier : IDisposable
{
    public const string ModelFile = "pair-verifier.onnx";
    public const string MetadataFile = "verifier.json";

    private readonly PairVerifierModel _model;
    private readonly PairEncoder _encoder;
    private readonly ModelRunners _runners;
    private volatile bool _disposed;

    public PairVerifier(IOptions<MatchOptions> options, IOptions<EmbeddingOptions> embedding, ModelRunners runners)
        : this(ResolveFolder(options.Value.VerifierPath), options.Value.MaxWrongRate, options.Value.CandidateFloor, embedding.Value.Threads, runners)
    {
    }

    public PairVerifier(string folder, double maxWrongRate, double candidateFloor, int threads, ModelRunners runners)
    {
        Folder = folder;
        Calibration = VerifierCalibration.Read(Path.Combine(folder, VerifierCalibration.FileName));
        Threshold = Calibration.ThresholdFor(maxWrongRate, candidateFloor)
            ?? throw new InvalidOperationException($"No threshold of {Path.Combine(folder, VerifierCalibration.FileName)} keeps the wrong rate within Matching:MaxWrongRate {maxWrongRate} at Matching:CandidateFloor {candidateFloor}; allow a higher rate or turn Matching:UseVerifier off.");
        using (var metadata = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, MetadataFile))))
        {
            MaxLength = metadata.RootElement.GetProperty("maxLength").GetInt32();
        }

        _encoder = new PairEncoder(MiniLmEmbedder.CreateTokenizer(), MaxLength);
        _model = new PairVerifierModel(File.ReadAllBytes(Path.Combine(folder, ModelFile)), threads);
        _runners = runners;
    }

    /// <summary>Where the model was loaded from.</summary>
    public string Folder { get; }

    public VerifierCalibration Calibration { get; }

    /// <summary>The probability a pair needs to match: the calibration's for Matching:MaxWrongRate at Matching:CandidateFloor.</summary>
    public double Threshold { get; }

    /// <summary>Word pieces of a pair at most ([CLS] and both [SEP]s included); longer pairs lose pieces from their longer side.</summary>
    public int MaxLength { get; }

    /// <summary>A relative path is taken from the worker's own folder (where the build copies models/), not the working directory.</summary>
    public static string ResolveFolder(string path) => Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path);

    /// <summary>The probability that each pair asks the same thing (both orders read: <see cref="PairEncoder.EncodeBothOrders"/>), scored on the runner threads.</summary>
    public async Task<double[]> ScoreAsync(IReadOnlyList<TextPair> pairs, CancellationToken cancellationToken = default)
    {
        // ONNX Runtime must never see a disposed session (a native use after free); at shutdown a late batch gets this instead.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pairs.Count == 0)
        {
            return [];
        }

        var inputs = pairs.SelectMany(p => _encoder.EncodeBothOrders(p.A, p.B)).ToArray();
        // Interleaved by length, so each runner gets as many word pieces as the others.
        var order = Enumerable.Range(0, inputs.Length).OrderByDescending(i => inputs[i].Length).ToArray();
        var logits = new float[inputs.Length];
        var parts = Enumerable.Range(0, Math.Min(_runners.Count, order.Length))
            .Select(r => order.Where((_, k) => k % _runners.Count == r).ToArray())
            .Select(rows => (Action)(() => _model.Score(rows, inputs, logits)));
        await _runners.RunAsync([.. parts], cancellationToken);
        return [.. PairEncoder.HigherOfOrders(logits).Select(Sigmoid)];
    }

    public static double Sigmoid(float logit) => 1.0 / (1.0 + Math.Exp(-logit));

    public void Dispose()
    {
        _disposed = true;
        _model.Dispose();
    }
}
