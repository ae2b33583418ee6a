using Microsoft.ML.Tokenizers;

namespace PromptQueue.Worker.Matching;

/// <summary>Word-piece ids and segment ids of one model input.</summary>
public sealed record EncodedInput(long[] Ids, long[] TokenTypes)
{
    public int Length => Ids.Length;
}

/// <summary>
/// BERT inputs: "[CLS] a [SEP]" for one text, "[CLS] a [SEP] b [SEP]" with segment ids 0…0 1…1 for a pair, at most
/// <see cref="MaxLength"/> word pieces, the longer side cut first (as Hugging Face truncates pairs). The verifier's
/// training tool and the worker encode with this one class, so the shipped model reads what it was trained on.
/// Thread-safe (the tokenizer is).
/// </summary>
public sealed class PairEncoder(BertTokenizer tokenizer, int maxLength)
{
    public int MaxLength { get; } = maxLength;

    public EncodedInput EncodeText(string text)
    {
        var pieces = Pieces(text);
        var count = Math.Min(pieces.Count, MaxLength - 2);
        var ids = new long[count + 2];
        ids[0] = tokenizer.ClassificationTokenId;
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = tokenizer.SeparatorTokenId;
        return new EncodedInput(ids, new long[ids.Length]);
    }

    public EncodedInput EncodePair(string a, string b)
    {
        var (first, second) = (Pieces(a), Pieces(b));
        var (countA, countB) = (first.Count, second.Count);
        while (countA + countB > MaxLength - 3)
        {
            if (countA >= countB)
            {
                countA--;
            }
            else
            {
                countB--;
            }
        }

        var ids = new long[countA + countB + 3];
        var types = new long[ids.Length];
        var at = 0;
        ids[at++] = tokenizer.ClassificationTokenId;
        for (var i = 0; i < countA; i++)
        {
            ids[at++] = first[i];
        }

        ids[at++] = tokenizer.SeparatorTokenId;
        var segmentB = at;
        for (var i = 0; i < countB; i++)
        {
            ids[at++] = second[i];
        }

        ids[at] = tokenizer.SeparatorTokenId;
        Array.Fill(types, 1L, segmentB, ids.Length - segmentB);
        return new EncodedInput(ids, types);
    }

    /// <summary>
    /// A pair in both orders, (a, b) then (b, a). "Do these ask the same thing?" is symmetric, but a cross-encoder
    /// reads its two segments differently and gives the two orders different scores (0.67 and 0.89 for one paraphrase
    /// of the shipped run-2 model, which always saw the original first). The verifier's score is the higher of the two
    /// logits (<see cref="HigherOfOrders"/>), in the worker, the calibration and the evaluation alike, so no caller's
    /// argument order changes a decision. The higher, not the mean: on the validation parts, calibrated the same way,
    /// it kept more recall (written 0.24 vs 0.14, Quora 0.254 vs 0.251 at floor 0.90; docs/semantic-matching.md).
    /// </summary>
    public IEnumerable<EncodedInput> EncodeBothOrders(string a, string b) => [EncodePair(a, b), EncodePair(b, a)];

    /// <summary>The logits of <see cref="EncodeBothOrders"/> inputs, two per pair in that order, folded to one per pair: the higher.</summary>
    public static float[] HigherOfOrders(IReadOnlyList<float> logits)
    {
        if (logits.Count % 2 != 0)
        {
            throw new ArgumentException($"Expected two logits per pair, got {logits.Count}.", nameof(logits));
        }

        var pairs = new float[logits.Count / 2];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = Math.Max(logits[2 * i], logits[(2 * i) + 1]);
        }

        return pairs;
    }

    private IReadOnlyList<int> Pieces(string text) => tokenizer.EncodeToIds(text, addSpecialTokens: false);
}

/// <summary>A padded batch: input_ids, token_type_ids and attention_mask, all [Size, Sequence] int64, row-major.</summary>
public sealed record PaddedBatch(long[] Ids, long[] TokenTypes, long[] Mask, int Size, int Sequence)
{
    /// <summary>Pads to the longest input of this batch only (dynamic padding); pad id 0 is [PAD] in this vocabulary.</summary>
    public static PaddedBatch Of(IReadOnlyList<EncodedInput> inputs)
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

        return new PaddedBatch(ids, types, mask, inputs.Count, sequence);
    }
}
