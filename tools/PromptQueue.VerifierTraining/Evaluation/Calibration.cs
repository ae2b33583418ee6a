using PromptQueue.Worker.Matching;

namespace PromptQueue.VerifierTraining.Evaluation;

/// <summary>
/// A validation pair as the worker would see it: the bi-encoder's cosine, whether a default guard vetoes it, and the
/// verifier's logit.
/// </summary>
internal sealed record ScoredPair(string Set, bool Duplicate, double Cosine, float Logit, bool Vetoed = false);

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

/// <summary>
/// One validation set's table. <paramref name="Budget"/>: the worker's Matching:MaxWrongRate must hold on it (the
/// hand-written sets); the Quora set is reported, not budgeted, because its crowd labels call a share of real
/// duplicates different (read by hand: about a quarter of the "false" matches above cosine 0.92), so no matcher
/// could show a wrong rate of 1 % on it.
/// </summary>
/// <remarks>
/// Floor: the candidate floor the table is for (only pairs at or above this cosine are verified). MinPrecision: for a
/// set that is not budgeted, the precision the cosine-only matcher (cosine ≥ 0.94 and the guards) has on it; the
/// worker keeps the verifier's precision there at least this high, so it never serves more wrong answers per match
/// than the matcher it replaces, by that set's labels.
/// </remarks>
internal sealed record CalibrationSet(string Name, double Floor, bool Budget, double? MinPrecision, int Pairs, int Duplicates, int Candidates, int CandidateDuplicates, double VerifierAuc, double CosineAuc, List<ThresholdChoice> Choices, List<CalibrationRow> Rows);

/// <summary>
/// calibration.json: precision, recall and wrong rate of the shipped verifier on the validation pairs, for a grid of
/// thresholds, so the worker can take the threshold that meets Matching:MaxWrongRate. Only candidates count: pairs
/// whose bi-encoder cosine is at least the set's floor (one table per floor of <see cref="Floors"/>), because the
/// worker never asks the verifier about any other pair; recall is of all the set's duplicates, so floors compare. A
/// pair a guard of <see cref="Guards"/> vetoes never matches, as in the worker with its default guards.
/// </summary>
internal sealed record CalibrationReport(string Score, double CandidateFloor, string CosineOf, IReadOnlyList<string> Guards, List<CalibrationSet> Sets)
{
    /// <summary>The lowest candidate floor calibrated: the worker may not verify pairs below it.</summary>
    public const double Floor = 0.75;

    /// <summary>
    /// The floors calibrated. 0.96 and 0.98 since run 4 (2026-12-04): with the written validation enlarged to 799 pairs
    /// neither run 2 nor run 4 kept the budget at any floor up to 0.94, and the rule fixed before run 4's figures were
    /// read was to look higher (docs/semantic-matching.md).
    /// </summary>
    public static readonly double[] Floors = [0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98];

    /// <summary>The cosine-only matcher's threshold (MatchOptions.SimilarityThreshold's default), for MinPrecision.</summary>
    private static readonly double CosineOnlyThreshold = new MatchOptions().SimilarityThreshold;

    public static readonly double[] WrongRates = [0.005, 0.01, 0.02, 0.05, 0.1];

    /// <summary>The worker's default guards (MatchOptions), applied as vetoes before the threshold.</summary>
    public static IReadOnlyList<string> DefaultGuards
    {
        get
        {
            var o = new MatchOptions();
            return [.. new[] { o.GuardNumbers ? "numbers" : null, o.GuardPolarity ? "polarity" : null, o.GuardEntities ? "entities" : null }.OfType<string>()];
        }
    }

    public static CalibrationReport Of(IReadOnlyList<ScoredPair> pairs)
    {
        var quora = pairs.Where(p => p.Set == "quora").ToList();
        var written = pairs.Where(p => p.Set == "written").ToList();
        List<CalibrationSet> sets =
        [
            .. Floors.SelectMany(floor => new[]
            {
                Set("quora-validation", floor, budget: false, CosineOnlyPrecision(quora), quora),
                Set("written-validation", floor, budget: true, null, written),
            }),
            Set("pooled", Floor, budget: false, null, pairs),
        ];
        return new CalibrationReport("sigmoid(logit)", Floor, "all-MiniLM-L6-v2 mean-pooled embeddings (the worker's MiniLmEmbedder)", DefaultGuards, sets);
    }

    /// <summary>0.05 to 0.95 by 0.05, 0.96 to 0.99 by 0.01, then 0.995 and 0.999.</summary>
    public static IEnumerable<double> Thresholds() =>
        Enumerable.Range(1, 19).Select(i => i * 0.05).Concat(Enumerable.Range(96, 4).Select(i => i / 100.0)).Concat([0.995, 0.999]).Select(t => Math.Round(t, 3));

    private static double CosineOnlyPrecision(IReadOnlyList<ScoredPair> pairs)
    {
        var matched = pairs.Where(p => p.Cosine >= CosineOnlyThreshold && !p.Vetoed).ToList();
        return matched.Count == 0 ? 1 : Math.Round((double)matched.Count(p => p.Duplicate) / matched.Count, 4);
    }

    private static CalibrationSet Set(string name, double floor, bool budget, double? minPrecision, IReadOnlyList<ScoredPair> all)
    {
        var candidates = all.Where(p => p.Cosine >= floor).ToList();
        var duplicates = all.Count(p => p.Duplicate);
        var rows = Thresholds().Select(t =>
        {
            var matched = candidates.Where(p => !p.Vetoed && Metrics.Sigmoid(p.Logit) >= t).ToList();
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
            name, floor, budget, minPrecision, all.Count, duplicates, candidates.Count, candidates.Count(p => p.Duplicate),
            Metrics.Auc([.. candidates.Select(p => p.Logit)], [.. candidates.Select(p => p.Duplicate)]),
            Metrics.Auc([.. candidates.Select(p => (float)p.Cosine)], [.. candidates.Select(p => p.Duplicate)]),
            choices, rows);
    }
}
