namespace PromptQueue.VerifierTraining.Data;

/// <summary>How many pairs each part of the data had: written into the model's metadata and its model card.</summary>
internal sealed record DataSummary
{
    public required int QuoraPairs { get; init; }

    public required int QuoraTrainPart { get; init; }

    public required int QuoraValidationPart { get; init; }

    /// <summary>Counted, then set aside: never trained or calibrated on.</summary>
    public required int QuoraTestPart { get; init; }

    public required int RuleVariants { get; init; }

    /// <summary>Rule variants whose changed question is a question of the validation or test part.</summary>
    public required int RuleVariantsDropped { get; init; }

    /// <summary>Rule near-misses made (after the held-out drop), of which a seeded share was kept (<see cref="RuleNearMissShare"/>).</summary>
    public int RuleNearMissesMade { get; init; }

    public double RuleNearMissShare { get; init; } = 1;

    /// <summary>Rule near-misses of training paraphrase pairs kept (<see cref="PromptQueue.Datasets.RuleVariants.OfParaphrases"/>), of those made after the held-out drop.</summary>
    public int RewordedNearMisses { get; init; }

    public int RewordedNearMissesMade { get; init; }

    public double RewordedNearMissShare { get; init; }

    /// <summary>Times each written train pair is in the training pairs.</summary>
    public int WrittenRepeat { get; init; } = 1;

    public required int WrittenStatementsTrain { get; init; }

    public required int WrittenRequestsTrain { get; init; }

    public required IReadOnlyList<string> StatementTopicsHeldBack { get; init; }

    /// <summary>Training pairs before a cap (--train-pairs).</summary>
    public required int TrainAvailable { get; init; }

    public required int Train { get; init; }

    public required int TrainDuplicates { get; init; }

    public required IReadOnlyDictionary<string, int> TrainBySource { get; init; }

    public required int QuoraValidation { get; init; }

    public required int WrittenValidation { get; init; }

    public required IReadOnlyDictionary<string, int> WrittenValidationBySource { get; init; }
}
