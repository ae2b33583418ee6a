namespace PromptQueue.VerifierTraining.Evaluation;

internal static class Metrics
{
    /// <summary>ROC AUC as the Mann-Whitney statistic (ties count one half); NaN without both labels.</summary>
    public static double Auc(IReadOnlyList<float> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSumPositive = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var averageRank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]])
                {
                    rankSumPositive += averageRank;
                }
            }

            i = j + 1;
        }

        double positives = labels.Count(l => l);
        var negatives = labels.Count - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSumPositive - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    public static float Sigmoid(float logit) => 1f / (1f + MathF.Exp(-logit));

    /// <summary>Wilson score interval's upper end at 95 % for <paramref name="hits"/> of <paramref name="count"/> (1 when count is 0).</summary>
    public static double WilsonUpper(int hits, int count)
    {
        if (count == 0)
        {
            return 1;
        }

        const double Z = 1.96;
        var p = (double)hits / count;
        var centre = p + (Z * Z / (2 * count));
        var spread = Z * Math.Sqrt((p * (1 - p) / count) + (Z * Z / (4.0 * count * count)));
        return Math.Min(1, (centre + spread) / (1 + (Z * Z / count)));
    }
}
