using Microsoft.ML.OnnxRuntime;
using PromptQueue.VerifierTraining.Model;

namespace PromptQueue.VerifierTraining.Evaluation;

/// <summary>
/// A shipped verifier graph under ONNX Runtime, set up as the worker's embedder is (sequential, no spinning):
/// input_ids, attention_mask and token_type_ids in, one logit per pair out.
/// </summary>
internal sealed class OrtVerifier : IDisposable
{
    public const string Output = "logit";
    private readonly InferenceSession _session;

    public OrtVerifier(byte[] onnx, int threads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(onnx, options);
    }

    /// <summary>Logits of the inputs, scored in batches of similar length.</summary>
    public float[] Logits(IReadOnlyList<Encoded> inputs, int batchSize = 32)
    {
        var scores = new float[inputs.Count];
        foreach (var chunk in Enumerable.Range(0, inputs.Count).OrderBy(i => inputs[i].Length).Chunk(batchSize))
        {
            var logits = Run(Batch.Of([.. chunk.Select(i => inputs[i])]));
            for (var k = 0; k < chunk.Length; k++)
            {
                scores[chunk[k]] = logits[k];
            }
        }

        return scores;
    }

    private float[] Run(Batch batch)
    {
        long[] shape = [batch.Size, batch.Sequence];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.Ids, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.Mask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypes, shape);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [ids, mask, types], [Output]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
