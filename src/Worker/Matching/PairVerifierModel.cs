using Microsoft.ML.OnnxRuntime;

namespace PromptQueue.Worker.Matching;

/// <summary>
/// The pair verifier's ONNX graph (models/pair-verifier/pair-verifier.onnx) under ONNX Runtime, set up as the
/// embedder is (sequential, one intra-op thread by default, no spinning): input_ids, attention_mask and
/// token_type_ids in, one logit per pair out. Runs on the caller's thread; thread-safe (InferenceSession.Run is).
/// The training tool scores its validation pairs with this class too, so calibration.json describes this code.
/// One pair per run: the int8 graph quantises each MatMul's input with one scale for the whole tensor
/// (DynamicQuantizeMatMul), so in a padded batch a pair's score would depend on its neighbours (by up to 0.06 in
/// probability, measured); alone, a pair always scores the same, as it was calibrated.
/// </summary>
public sealed class PairVerifierModel : IDisposable
{
    public const string Output = "logit";
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = [Output];
    private readonly InferenceSession _session;

    public PairVerifierModel(byte[] onnx, int threads)
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // As for the embedder: spinning intra-op threads would steal the cores the broker client needs.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(onnx, options);
    }

    /// <summary>Logits of the inputs, each scored alone.</summary>
    public float[] Logits(IReadOnlyList<EncodedInput> inputs)
    {
        var scores = new float[inputs.Count];
        Score([.. Enumerable.Range(0, inputs.Count)], inputs, scores);
        return scores;
    }

    /// <summary>Scores the inputs at <paramref name="rows"/>, each alone, and writes their logits to the same places of <paramref name="logits"/>.</summary>
    public void Score(IReadOnlyList<int> rows, IReadOnlyList<EncodedInput> inputs, float[] logits)
    {
        foreach (var row in rows)
        {
            logits[row] = Run(PaddedBatch.Of([inputs[row]]))[0];
        }
    }

    public float[] Run(PaddedBatch batch)
    {
        long[] shape = [batch.Size, batch.Sequence];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.Ids, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.Mask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypes, shape);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, InputNames, [ids, mask, types], OutputNames);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
