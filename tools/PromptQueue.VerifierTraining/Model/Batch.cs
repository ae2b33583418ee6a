using PromptQueue.Worker.Matching;
using static TorchSharp.torch;

namespace PromptQueue.VerifierTraining.Model;

/// <summary>The worker's <see cref="PaddedBatch"/> as LibTorch tensors.</summary>
internal static class Batch
{
    public static PaddedBatch Of(IReadOnlyList<EncodedInput> inputs) => PaddedBatch.Of(inputs);

    public static (Tensor Ids, Tensor TokenTypes, Tensor Mask) ToTensors(this PaddedBatch batch) =>
        (tensor(batch.Ids, [batch.Size, batch.Sequence]), tensor(batch.TokenTypes, [batch.Size, batch.Sequence]), tensor(batch.Mask, [batch.Size, batch.Sequence]));
}
