using System.Text.Json;

namespace PromptQueue.Worker.Matching;

/// <summary>One threshold of a calibration set: accepting every candidate whose score is at least it.</summary>
public sealed record CalibrationPoint(double Threshold, int Matches, int FalseMatches, double Precision, double Recall, double WrongRate, double WrongRateUpper95);

/// <summary>
/// A validation set's thresholds for one candidate floor (pairs at or above it, after the guards' vetoes). Budget:
/// Matching:MaxWrongRate must hold on it (the hand-labelled sets). MinPrecision: for a set that is not budgeted (Quora's
/// crowd labels call a share of real paraphrases different, so no matcher shows 1 % there), the precision the
/// cosine-only matcher has on it, which the verifier's threshold must keep.
/// </summary>
public sealed record CalibrationSet(string Name, double Floor, bool Budget, double? MinPrecision, int Candidates, int CandidateDuplicates, IReadOnlyList<CalibrationPoint> Rows);

/// <summary>
/// calibration.json, shipped beside the verifier (written by tools/PromptQueue.VerifierTraining): for each validation
/// set and a grid of thresholds on sigmoid(logit), how many candidate pairs match and how many of those are wrong.
/// Only the fields the worker needs are read; the file holds more (AUCs, choices for common budgets). Guards: the
/// vetoes applied before the threshold when the table was made (a matcher with fewer guards may be wrong more often).
/// </summary>
public sealed record VerifierCalibration(double CandidateFloor, IReadOnlyList<string> Guards, IReadOnlyList<CalibrationSet> Sets)
{
    public const string FileName = "calibration.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static VerifierCalibration Read(string path) =>
        JsonSerializer.Deserialize<VerifierCalibration>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} holds no calibration.");

    /// <summary>
    /// The lowest threshold at and above which, for the calibrated floor <paramref name="floor"/> falls on (the highest
    /// not above it), every budget set keeps its wrong rate within <paramref name="maxWrongRate"/> and every set with a
    /// MinPrecision keeps that precision, with at least one match on a budget set; null when no threshold does.
    /// </summary>
    public double? ThresholdFor(double maxWrongRate, double floor)
    {
        var calibrated = Sets.Select(s => s.Floor).Where(f => f <= floor + 1e-9).DefaultIfEmpty(double.NaN).Max();
        var sets = Sets.Where(s => s.Floor == calibrated && (s.Budget || s.MinPrecision is not null)).ToList();
        if (!sets.Any(s => s.Budget))
        {
            return null;
        }

        double? threshold = null;
        foreach (var set in sets)
        {
            bool Holds(CalibrationPoint r) => set.Budget ? r.WrongRate <= maxWrongRate : r.Precision >= set.MinPrecision!.Value;
            var rows = set.Rows.OrderBy(r => r.Threshold).ToList();
            // From the top down: the lowest threshold before the first row that breaks the rule.
            var lowest = default(double?);
            for (var i = rows.Count - 1; i >= 0 && Holds(rows[i]); i--)
            {
                lowest = rows[i].Threshold;
            }

            if (lowest is null)
            {
                return null;
            }

            threshold = Math.Max(threshold ?? 0, lowest.Value);
        }

        return threshold is { } t && sets.Any(s => s.Budget && s.Rows.Any(r => r.Threshold >= t && r.Matches > 0)) ? t : null;
    }

    /// <summary>The row of a set at a threshold (the grid point at or just above it).</summary>
    public CalibrationPoint? At(string set, double floor, double threshold) =>
        Sets.FirstOrDefault(s => s.Name == set && Math.Abs(s.Floor - floor) < 1e-9)?.Rows.Where(r => r.Threshold >= threshold - 1e-9).MinBy(r => r.Threshold);
}
