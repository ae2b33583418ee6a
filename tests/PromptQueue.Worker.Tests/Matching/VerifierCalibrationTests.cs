using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Tests.Matching;

public sealed class VerifierCalibrationTests
{
    // threshold -> (matches, wrong)
    private static CalibrationSet Set(string name, double floor, bool budget, double? minPrecision, params (double Threshold, int Matches, int Wrong)[] rows) =>
        new(name, floor, budget, minPrecision, 100, 50,
            [.. rows.Select(r => new CalibrationPoint(r.Threshold, r.Matches, r.Wrong, r.Matches == 0 ? 1 : 1 - ((double)r.Wrong / r.Matches), 0, r.Matches == 0 ? 0 : (double)r.Wrong / r.Matches, 0))]);

    private static CalibrationSet Budget(string name, params (double Threshold, int Matches, int Wrong)[] rows) => Set(name, 0.75, true, null, rows);

    [Fact]
    public void The_threshold_is_the_lowest_at_and_above_which_every_budget_set_keeps_the_budget()
    {
        var calibration = new VerifierCalibration(0.75, [],
        [
            Budget("a", (0.5, 100, 5), (0.8, 80, 1), (0.9, 60, 0), (0.99, 10, 0)),
            Budget("b", (0.5, 50, 3), (0.8, 40, 2), (0.9, 30, 0), (0.99, 5, 0)),
            Set("reported only", 0.75, budget: false, minPrecision: null, (0.5, 150, 80), (0.8, 120, 30), (0.9, 90, 10), (0.99, 15, 1)),
        ]);

        Assert.Equal(0.9, calibration.ThresholdFor(0.01, 0.75));  // set b breaks 1 % at 0.8 (5 %)
        Assert.Equal(0.8, calibration.ThresholdFor(0.05, 0.75));  // a: 1.25 %, b: 5 %
        Assert.Equal(0.5, calibration.ThresholdFor(0.07, 0.75));
    }

    [Fact]
    public void A_set_with_a_minimum_precision_raises_the_threshold_until_it_holds()
    {
        var calibration = new VerifierCalibration(0.75, [],
        [
            Budget("written", (0.5, 20, 0), (0.8, 15, 0), (0.9, 10, 0)),
            Set("quora", 0.75, budget: false, minPrecision: 0.9, (0.5, 100, 20), (0.8, 80, 10), (0.9, 60, 5)),
        ]);

        Assert.Equal(0.9, calibration.ThresholdFor(0.01, 0.75)); // quora: 0.80 precision at 0.5, 0.875 at 0.8, 0.92 at 0.9
    }

    [Fact]
    public void The_table_of_the_highest_calibrated_floor_not_above_the_configured_one_is_used()
    {
        var calibration = new VerifierCalibration(0.75, [],
        [
            Budget("written", (0.5, 20, 2), (0.9, 10, 0)),
            Set("written", 0.9, budget: true, minPrecision: null, (0.5, 12, 0), (0.9, 8, 0)),
        ]);

        Assert.Equal(0.9, calibration.ThresholdFor(0.01, 0.8));
        Assert.Equal(0.5, calibration.ThresholdFor(0.01, 0.9));
        Assert.Equal(0.5, calibration.ThresholdFor(0.01, 0.95));
        Assert.Null(calibration.ThresholdFor(0.01, 0.7)); // below every calibrated floor
    }

    [Fact]
    public void A_row_that_breaks_the_budget_above_a_good_one_raises_the_threshold()
    {
        // Not monotone: 0.8 is within 1 % but 0.9 is not, so only thresholds above 0.9 are safe.
        var calibration = new VerifierCalibration(0.75, [], [Budget("a", (0.8, 100, 0), (0.9, 50, 1), (0.95, 40, 0))]);

        Assert.Equal(0.95, calibration.ThresholdFor(0.01, 0.75));
    }

    [Fact]
    public void No_threshold_when_the_top_row_breaks_the_budget_or_nothing_matches()
    {
        Assert.Null(new VerifierCalibration(0.75, [], [Budget("a", (0.5, 10, 5), (0.99, 4, 1))]).ThresholdFor(0.01, 0.75));
        Assert.Null(new VerifierCalibration(0.75, [], [Budget("a", (0.5, 10, 5), (0.99, 0, 0))]).ThresholdFor(0.01, 0.75));
    }
}
