using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Matching;

/// <summary>
/// What annotations cannot say about <see cref="MatchOptions"/>: with the verifier on, its folder must hold the model,
/// its metadata and a calibration whose floor is not above Matching:CandidateFloor, every guard the calibration
/// applied must be on, and the calibration must have a threshold for Matching:MaxWrongRate.
/// </summary>
internal sealed class MatchOptionsCustomValidator : IValidateOptions<MatchOptions>
{
    public ValidateOptionsResult Validate(string? name, MatchOptions options)
    {
        if (!options.UseVerifier)
        {
            return ValidateOptionsResult.Success;
        }

        var folder = PairVerifier.ResolveFolder(options.VerifierPath);
        var missing = new[] { PairVerifier.ModelFile, PairVerifier.MetadataFile, VerifierCalibration.FileName }.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0)
        {
            return ValidateOptionsResult.Fail($"Matching:VerifierPath {folder} lacks {string.Join(", ", missing)} (or set Matching:UseVerifier false).");
        }

        var calibration = VerifierCalibration.Read(Path.Combine(folder, VerifierCalibration.FileName));
        var builder = new ValidateOptionsResultBuilder();
        if (options.CandidateFloor < calibration.CandidateFloor)
        {
            builder.AddError($"Matching:CandidateFloor {options.CandidateFloor} is below the verifier's calibration floor {calibration.CandidateFloor}: pairs below it were never calibrated.");
        }

        var on = new Dictionary<string, bool> { ["numbers"] = options.GuardNumbers, ["polarity"] = options.GuardPolarity, ["entities"] = options.GuardEntities };
        foreach (var guard in calibration.Guards.Where(g => !on.GetValueOrDefault(g)))
        {
            builder.AddError($"The verifier was calibrated with the {guard} guard on; with it off the wrong rate is not known (turn it on, or Matching:UseVerifier off).");
        }

        if (calibration.ThresholdFor(options.MaxWrongRate, options.CandidateFloor) is null)
        {
            builder.AddError($"No threshold of the verifier's calibration keeps the wrong rate within Matching:MaxWrongRate {options.MaxWrongRate} at Matching:CandidateFloor {options.CandidateFloor}.");
        }

        return builder.Build();
    }
}
