namespace PromptQueue.VerifierTraining.Evaluation;

/// <summary>A validation pair as the worker would see it: the bi-encoder's cosine and the verifier's logit.</summary>
internal sealed record ScoredPair(string Set, bool Duplicate, double Cosine, float Logit);

/// <summary>
/// What accepting every candidate pair at or above one threshold on the score sigmoid(logit) would do (Logit is the
/// same cut on the logit). WrongRate is false matches / matches (1 - precision; 0 when nothing matches);
/// WrongRateUpper95 its Wilson 95 % upper bound, what few matches cannot rule out.
/// </summary>
internal sealed record CalibrationRow(double Threshold, double Logit, int Matches, int FalseMatches, double Precision, double Recall, double WrongRate, double WrongRateUpper95);

/// <summary>
/// The lowest threshold at which the wrong rate stays within <paramref name="MaxWrongRate"/> at it and every threshold
/// above, and the recall there; none when that threshold matches no pair (the verifier cannot meet the bound).
/// </summary>
internal sealed record ThresholdChoice(double MaxWrongRate, double? Threshold, double? Recall);

internal sealed record CalibrationSet(string Name, int Pairs, int Candidates, int CandidateDuplicates, double VerifierAuc, double CosineAuc, List<ThresholdChoice> Choices, List<CalibrationRow> Rows);

/// <summary>
/// calibration.json: precision, recall and wrong rate of the shipped verifier on the validation pairs, for a grid of
/// thresholds, so the worker can take the threshold that meets Matching:MaxWrongRate. Only candidates count: pairs
/// whose bi-encoder cosine is at least <see cref="Floor"/>, because the worker never asks the verifier
/// about any other pair; recall is of the duplicates among those candidates.
/// </summary>
internal sealed record CalibrationReport(string Score, double CandidateFloor, string CosineOf, List<CalibrationSet> Sets)
{
    /// <summary>The worker's candidate floor: pairs below this cosine are never verified.</summary>
    public const double Floor = 0.75;

    public static readonly double[] WrongRates = [0.005, 0.01, 0.02, 0.05, 0.1];

    public static CalibrationReport Of(IReadOnlyList<ScoredPair> pairs)
    {
        List<CalibrationSet> sets =
        [
            Set("quora-validation", [.. pairs.Where(p => p.Set == "quora")]),
            Set("written-validation", [.. pairs.Where(p => p.Set == "written")]),
            Set("pooled", pairs),
        ];
        return new CalibrationReport("sigmoid(logit)", Floor, "all-MiniLM-L6-v2 mean-pooled embeddings (the worker's MiniLmEmbedder)", sets);
    }

    /// <summary>0.05 to 0.95 by 0.05, 0.96 to 0.99 by 0.01, then 0.995 and 0.999.</summary>
    public static IEnumerable<double> Thresholds() =>
        Enumerable.Range(1, 19).Select(i => i * 0.05).Concat(Enumerable.Range(96, 4).Select(i => i / 100.0)).Concat([0.995, 0.999]).Select(t => Math.Round(t, 3));

    private static CalibrationSet Set(string name, IReadOnlyList<ScoredPair> all)
    {
        var candidates = all.Where(p => p.Cosine >= Floor).ToList();
        var duplicates = candidates.Count(p => p.Duplicate);
        var rows = Thresholds().Select(t =>
        {
            var matched = candidates.Where(p => Metrics.Sigmoid(p.Logit) >= t).ToList();
            var wrong = matched.Count(p => !p.Duplicate);
            var right = matched.Count - wrong;
            return new CalibrationRow(
                t, Math.Round(Math.Log(t / (1 - t)), 4), matched.Count, wrong, matched.Count == 0 ? 1 : (double)right / matched.Count,
                duplicates == 0 ? 0 : (double)right / duplicates, matched.Count == 0 ? 0 : (double)wrong / matched.Count, Metrics.WilsonUpper(wrong, matched.Count));
        }).ToList();
        var choices = WrongRates.Select(rate =>
        {
            var at = rows.FindIndex(r => rows.SkipWhile(x => x != r).All(x => x.WrongRate <= rate));
            return at < 0 || rows[at].Matches == 0 ? new ThresholdChoice(rate, null, null) : new ThresholdChoice(rate, rows[at].Threshold, rows[at].Recall);
        }).ToList();
        return new CalibrationSet(
            name, all.Count, candidates.Count, duplicates,
            Metrics.Auc([.. candidates.Select(p => p.Logit)], [.. candidates.Select(p => p.Duplicate)]),
            Metrics.Auc([.. candidates.Select(p => (float)p.Cosine)], [.. candidates.Select(p => p.Duplicate)]),
            choices, rows);
    }
}
