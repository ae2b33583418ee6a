namespace PromptQueue.SemanticEval;

/// <summary>Precision, recall and F1 of "match" against the duplicate labels.</summary>
public sealed record Score(double Precision, double Recall, double F1, int TruePositives, int FalsePositives)
{
    public static Score Of(IReadOnlyList<PairScores> pairs, Func<PairScores, bool> matches)
    {
        int tp = 0, fp = 0, fn = 0;
        foreach (var pair in pairs)
        {
            var predicted = matches(pair);
            if (predicted && pair.Duplicate)
            {
                tp++;
            }
            else if (predicted)
            {
                fp++;
            }
            else if (pair.Duplicate)
            {
                fn++;
            }
        }

        var precision = tp + fp == 0 ? 1 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Score(precision, recall, f1, tp, fp);
    }
}
