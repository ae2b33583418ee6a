using Microsoft.ML.Tokenizers;

namespace PromptQueue.VerifierTraining.Model;

/// <summary>Word-piece ids and segment ids of one model input.</summary>
internal sealed record Encoded(long[] Ids, long[] TokenTypes)
{
    public int Length => Ids.Length;
}

/// <summary>
/// BERT inputs: "[CLS] a [SEP]" for one text, "[CLS] a [SEP] b [SEP]" with segment ids 0…0 1…1 for a pair, at most
/// <see cref="MaxLength"/> word pieces, the longer side cut first (as Hugging Face truncates pairs).
/// </summary>
internal sealed class PairEncoder(BertTokenizer tokenizer, int maxLength)
{
    public int MaxLength { get; } = maxLength;

    public Encoded EncodeText(string text)
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
        return new Encoded(ids, new long[ids.Length]);
    }

    public Encoded EncodePair(string a, string b)
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
        return new Encoded(ids, types);
    }

    private IReadOnlyList<int> Pieces(string text) => tokenizer.EncodeToIds(text, addSpecialTokens: false);
}
