namespace PromptQueue.Datasets;

/// <summary>
/// The one split of the Quora pairs that the pair verifier is trained on, calibrated on and reported on: question
/// groups (<see cref="QuestionGroups"/>) with a fixed seed and shares, so the training tool
/// (tools/PromptQueue.VerifierTraining) and the held-out figures (scripts/eval-semantic) agree on which pairs are
/// the test part, and no question of it is ever trained on.
/// </summary>
public static class HeldOutSplit
{
    public const int Seed = 20261203;
    public const double ValidationShare = 0.15;
    public const double TestShare = 0.15;

    public static PairSplit Of(IReadOnlyList<LabelledPair> pairs) => QuestionGroups.Split(pairs, Seed, ValidationShare, TestShare);
}
