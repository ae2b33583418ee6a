using System.Text.Json.Serialization;
using Google.Protobuf;
using PromptQueue.VerifierTraining.Evaluation;
using PromptQueue.VerifierTraining.MiniLm;
using PromptQueue.VerifierTraining.Model;
using PromptQueue.VerifierTraining.Training;
using PromptQueue.Worker.Matching;

namespace PromptQueue.VerifierTraining.Export;

/// <summary>One way of writing the trained model out, and how it scored the validation pairs.</summary>
internal sealed record ExportCandidate(string Name, string Description, long Bytes, double ValidationAuc, double MaxLogitDifference, double MeanLogitDifference);

/// <summary>What was shipped and why.</summary>
internal sealed record ExportChoice(string Chosen, double ReferenceAuc, double AucTolerance, double FloatParityMaxLogitDifference, List<ExportCandidate> Candidates)
{
    /// <summary>The shipped file's logits of every validation pair.</summary>
    [JsonIgnore]
    public float[] Scores { get; init; } = [];

    [JsonIgnore]
    public byte[] Onnx { get; init; } = [];
}

/// <summary>
/// Writes the fine-tuned weights into a copy of the MiniLM graph with the head, then picks the smallest form whose
/// validation AUC is within <see cref="AucTolerance"/> of the TorchSharp model's: int8 (encoder MatMuls 7-bit, word
/// embeddings 8-bit: ~24 MB), else int8 word embeddings only (~55 MB), else all float (~87 MB). Every form is checked
/// on the same validation pairs with ONNX Runtime, the way the worker will run it.
/// </summary>
internal static class VerifierExport
{
    public const double AucTolerance = 0.002;
    private const int ParityPairs = 256;

    private static readonly (string Name, string Description, bool MatMuls, bool Embeddings)[] Forms =
    [
        ("int8", "encoder MatMul weights int8 (7-bit, per column; DynamicQuantizeMatMul), word embeddings int8 (per row)", true, true),
        ("int8-embeddings", "word embeddings int8 (per row), everything else float32", false, true),
        ("fp32", "every weight float32", false, false),
    ];

    public static ExportChoice Choose(OnnxBertWeights original, CrossEncoder model, IReadOnlyList<Example> validation, float[] reference, int threads, TextWriter log)
    {
        var weights = model.Bert.Export();
        var (headWeight, headBias) = model.Head();
        var inputs = validation.Select(e => e.Input).ToList();
        var labels = validation.Select(e => e.Duplicate).ToList();
        var referenceAuc = Metrics.Auc(reference, labels);

        byte[] Build(bool matMuls, bool embeddings)
        {
            var graph = original.WithParameters(weights);
            if (matMuls)
            {
                OnnxQuantizer.QuantizeMatMulWeights(graph);
            }

            if (embeddings)
            {
                OnnxQuantizer.QuantizeWordEmbeddings(graph);
            }

            VerifierGraph.AddHead(graph, headWeight, headBias);
            return graph.ToByteArray();
        }

        // The float graph must reproduce TorchSharp: this checks the weight mapping and the head, not quantisation.
        var parityInputs = inputs.Take(ParityPairs).ToList();
        float[] floatScores;
        using (var fp32 = new PairVerifierModel(Build(false, false), threads))
        {
            floatScores = fp32.Logits(parityInputs);
        }

        var parity = floatScores.Select((s, i) => Math.Abs(s - reference[i])).DefaultIfEmpty(0).Max();
        log.WriteLine($"export: float graph vs TorchSharp on {parityInputs.Count} validation pairs, max |logit difference| {parity:E2}");
        if (parity > 1e-3)
        {
            throw new InvalidOperationException($"the exported float graph does not reproduce TorchSharp (max |logit difference| {parity})");
        }

        var candidates = new List<ExportCandidate>();
        foreach (var (name, description, matMuls, embeddings) in Forms)
        {
            var bytes = Build(matMuls, embeddings);
            float[] scores;
            using (var verifier = new PairVerifierModel(bytes, threads))
            {
                scores = verifier.Logits(inputs);
            }

            var differences = scores.Select((s, i) => (double)Math.Abs(s - reference[i])).DefaultIfEmpty(0).ToList();
            var candidate = new ExportCandidate(name, description, bytes.Length, Metrics.Auc(scores, labels), differences.Max(), differences.Average());
            candidates.Add(candidate);
            log.WriteLine(
                $"export: {name,-16} {bytes.Length / 1048576.0,6:F1} MB  validation AUC {candidate.ValidationAuc:F4} (TorchSharp {referenceAuc:F4})  " +
                $"|logit difference| max {candidate.MaxLogitDifference:F4} mean {candidate.MeanLogitDifference:F4}");
            // NaN (one label only, as in a tiny run): nothing to compare, the smallest form stands. The float form,
            // last, stands whatever its AUC: it is the reference up to rounding.
            if (double.IsNaN(referenceAuc) || candidate.ValidationAuc >= referenceAuc - AucTolerance || name == Forms[^1].Name)
            {
                return new ExportChoice(name, referenceAuc, AucTolerance, parity, candidates) { Scores = scores, Onnx = bytes };
            }
        }

        throw new InvalidOperationException("no export form");
    }
}
