using System.CommandLine;
using System.Numerics.Tensors;
using Microsoft.Extensions.Options;
using PromptQueue.Datasets;
using PromptQueue.VerifierTraining.MiniLm;
using PromptQueue.VerifierTraining.Model;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using TorchSharp;
using static TorchSharp.torch;

namespace PromptQueue.VerifierTraining.Commands;

/// <summary>
/// The TorchSharp BERT loaded with the ONNX weights must embed sentences as the worker's MiniLmEmbedder does (ONNX
/// Runtime on the package's model.onnx, mean pooling, L2 normalisation), padded in one batch and one by one: this
/// checks the weight mapping and the model code that training starts from.
/// </summary>
internal static class ParityCommand
{
    private const double MinCosine = 0.9999;

    private static readonly string[] FixedSentences =
    [
        "How do I learn to program in C#?",
        "What is the best way to learn C# programming?",
        "The cat sat on the mat.",
        "Quantum entanglement links the states of two particles.",
        "Why is the sky blue?",
        "a",
        "Can you recommend a good book about the history of Rome, preferably one that covers the late republic?",
        "¿Dónde está la biblioteca?",
        "GPU prices dropped 20% in 2023 — will they keep falling?",
        "I love you.",
    ];

    public static Command Create()
    {
        var written = new Option<string>("--written") { Description = "Folder of the written sets (10 train statements are added to the sentences)", DefaultValueFactory = _ => "data/written" };
        var command = new Command("parity", "Checks that the TorchSharp BERT with the ONNX weights embeds like the worker's MiniLmEmbedder") { written };
        command.SetAction(parsed => Run(parsed.GetValue(written)!, Console.Out));
        return command;
    }

    public static int Run(string writtenDirectory, TextWriter log)
    {
        torch.set_num_threads(2);
        var sentences = FixedSentences
            .Concat(WrittenSplit.StatementFiles(writtenDirectory).Take(1).SelectMany(file => WrittenPairs.StatementTriples(file).Take(5)).SelectMany(s => new[] { s.Original, s.Paraphrase }))
            .ToList();
        var encoder = new PairEncoder(MiniLmEmbedder.CreateTokenizer(), MiniLmEmbedder.MaxWordPieces);
        var inputs = sentences.Select(encoder.EncodeText).ToList();

        float[][] expected;
        using (var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions())))
        {
            expected = [.. embedder.Embed(sentences).Select(e => e.Vector)];
        }

        using var bert = new BertModel(new BertConfig());
        bert.Load(OnnxBertWeights.Read(MiniLmEmbedder.ReadModel()).Parameters);
        bert.eval();
        float[][] Embed(IReadOnlyList<EncodedInput> texts)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var batch = Batch.Of(texts);
            var (ids, types, mask) = batch.ToTensors();
            var pooled = nn.functional.normalize(CrossEncoder.MeanPool(bert.call(ids, types, mask), mask), p: 2, dim: 1);
            return [.. Enumerable.Range(0, batch.Size).Select(i => pooled[i].data<float>().ToArray())];
        }

        var passed = Report("TorchSharp, one padded batch", Embed(inputs), expected, log)
            & Report("TorchSharp, one by one      ", [.. inputs.Select(e => Embed([e])[0])], expected, log);
        log.WriteLine($"{sentences.Count} sentences, {inputs.Min(e => e.Length)}-{inputs.Max(e => e.Length)} word pieces, vs MiniLmEmbedder: {(passed ? "PASS" : "FAIL")}");
        return passed ? 0 : 1;
    }

    private static bool Report(string label, float[][] actual, float[][] expected, TextWriter log)
    {
        var cosines = actual.Zip(expected, (a, e) => TensorPrimitives.CosineSimilarity(a, e)).ToArray();
        var maxDifference = actual.Zip(expected, (a, e) => a.Zip(e, (x, y) => Math.Abs(x - y)).Max()).Max();
        log.WriteLine($"{label}: min cosine {cosines.Min():F7}, mean {cosines.Average():F7}, max |difference| {maxDifference:E2}");
        return cosines.Min() > MinCosine;
    }
}
