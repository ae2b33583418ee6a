using static TorchSharp.torch;

namespace PromptQueue.VerifierTraining.Model;

/// <summary>A padded batch: input_ids, token_type_ids and attention_mask, all [batch, longest] int64.</summary>
internal sealed record Batch(long[] Ids, long[] TokenTypes, long[] Mask, int Size, int Sequence)
{
    public (Tensor Ids, Tensor TokenTypes, Tensor Mask) ToTensors() =>
        (tensor(Ids, [Size, Sequence]), tensor(TokenTypes, [Size, Sequence]), tensor(Mask, [Size, Sequence]));

    /// <summary>Pads to the longest input of this batch only (dynamic padding); pad id 0 is [PAD] in this vocabulary.</summary>
    public static Batch Of(IReadOnlyList<Encoded> inputs)
    {
        var sequence = inputs.Max(e => e.Length);
        var (ids, types, mask) = (new long[inputs.Count * sequence], new long[inputs.Count * sequence], new long[inputs.Count * sequence]);
        for (var row = 0; row < inputs.Count; row++)
        {
            var e = inputs[row];
            e.Ids.CopyTo(ids, row * sequence);
            e.TokenTypes.CopyTo(types, row * sequence);
            Array.Fill(mask, 1L, row * sequence, e.Length);
        }

        return new Batch(ids, types, mask, inputs.Count, sequence);
    }
}
