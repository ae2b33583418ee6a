using PromptQueue.Datasets;

namespace PromptQueue.VerifierTraining.Data;

/// <summary>A labelled pair and where it came from ("quora", "rule:negation", "written-statements", "written-requests").</summary>
internal sealed record SourcedPair(LabelledPair Pair, string Source);

/// <summary>Where the data is. Only the written sets' train files are ever opened; their test files never are.</summary>
internal sealed record DataSources(string QuoraPath, string WrittenDirectory);

/// <summary>
/// The verifier's training and validation pairs. Training: the Quora train part of <see cref="HeldOutSplit"/>, rule-made
/// near-misses and paraphrases of its questions (<see cref="RuleVariants.From"/>), rule-made near-misses of the
/// training paraphrase pairs' second sides (<see cref="RuleVariants.OfParaphrases"/>), and the written train sets less
/// what is held back. Validation: the Quora validation part and what <see cref="WrittenSplit"/> holds back of the written
/// train files (a sixth of each statements file's topics, 20 % of the request lines).
/// The Quora test part is set aside as soon as it is split off; its questions serve only to drop rule variants that
/// would coincide with a held-out question.
/// </summary>
internal sealed record TrainingSets(List<SourcedPair> Train, List<SourcedPair> QuoraValidation, List<SourcedPair> WrittenValidation, DataSummary Summary)
{
    /// <summary>
    /// Reads and splits the data. A training cap keeps a seeded sample of the training pairs; a validation cap keeps
    /// that many validation pairs, half Quora and half written, spread evenly (0: all, for either).
    /// </summary>
    public static TrainingSets Load(DataSources sources, int seed, int trainCap, int validationCap, double ruleNearMissShare = 1, int writtenRepeat = 1, double rewordedNearMissShare = 0)
    {
        var quora = LabelledPairs.Read(sources.QuoraPath).ToList();
        var split = HeldOutSplit.Of(quora);
        var heldOutQuestions = split.Validation.Concat(split.Test)
            .SelectMany(p => new[] { p.A, p.B })
            .Select(QuestionGroups.Normalise)
            .ToHashSet(StringComparer.Ordinal);
        var testCount = split.Test.Count;
        split.Test.Clear();

        var trainQuestions = split.Train.SelectMany(p => new[] { p.A, p.B }).DistinctBy(QuestionGroups.Normalise, StringComparer.Ordinal);
        var made = RuleVariants.From(trainQuestions, seed);
        var variants = made.Where(v => !heldOutQuestions.Contains(QuestionGroups.Normalise(v.Pair.B))).ToList();
        var nearMissesMade = variants.Count(v => !v.Pair.Duplicate);
        var droppedHeldOut = made.Count - variants.Count;
        variants = [.. variants.Where(v => v.Pair.Duplicate || SeededShare.Of(seed, v.Pair.A + "\n" + v.Pair.B) < ruleNearMissShare)];

        var written = WrittenSplit.Of(sources.WrittenDirectory);
        var trainParaphrases = split.Train
            .Concat(written.Statements.Select(s => s.Pair))
            .Concat(written.Requests.Select(r => r.Pair));
        var reworded = RuleVariants.OfParaphrases(trainParaphrases, seed)
            .Where(v => !heldOutQuestions.Contains(QuestionGroups.Normalise(v.Pair.B)))
            .ToList();
        var rewordedMade = reworded.Count;
        reworded = [.. reworded.Where(v => SeededShare.Of(seed, v.Pair.A + "\n" + v.Pair.B) < rewordedNearMissShare)];
        var train = split.Train.Select(p => new SourcedPair(p, "quora"))
            .Concat(variants.Select(v => new SourcedPair(v.Pair, "rule:" + v.Kind)))
            .Concat(reworded.Select(v => new SourcedPair(v.Pair, "rule:" + v.Kind)))
            .Concat(Enumerable.Repeat(0, writtenRepeat).SelectMany(_ => written.Statements.Select(s => new SourcedPair(s.Pair, "written-statements"))))
            .Concat(Enumerable.Repeat(0, writtenRepeat).SelectMany(_ => written.Requests.Select(r => new SourcedPair(r.Pair, "written-requests"))))
            .ToList();
        var available = train.Count;
        if (trainCap > 0 && trainCap < train.Count)
        {
            var shuffled = train.ToArray();
            new Random(seed).Shuffle(shuffled);
            train = [.. shuffled.Take(trainCap)];
        }

        var quoraValidation = split.Validation.Select(p => new SourcedPair(p, "quora")).ToList();
        var writtenValidation = written.StatementsHeldBack.Select(s => new SourcedPair(s.Pair, "written-statements"))
            .Concat(written.RequestsHeldBack.Select(r => new SourcedPair(r.Pair, "written-requests")))
            .ToList();
        if (validationCap > 0)
        {
            quoraValidation = Spread(quoraValidation, validationCap / 2);
            writtenValidation = Spread(writtenValidation, validationCap - (validationCap / 2));
        }

        var summary = new DataSummary
        {
            QuoraPairs = quora.Count,
            QuoraTrainPart = split.Train.Count,
            QuoraValidationPart = split.Validation.Count,
            QuoraTestPart = testCount,
            RuleVariants = variants.Count,
            RuleVariantsDropped = droppedHeldOut,
            RuleNearMissesMade = nearMissesMade,
            RuleNearMissShare = ruleNearMissShare,
            RewordedNearMisses = reworded.Count,
            RewordedNearMissesMade = rewordedMade,
            RewordedNearMissShare = rewordedNearMissShare,
            WrittenRepeat = writtenRepeat,
            WrittenStatementsTrain = written.Statements.Count,
            WrittenRequestsTrain = written.Requests.Count,
            StatementTopicsHeldBack = written.TopicsHeldBack,
            TrainAvailable = available,
            Train = train.Count,
            TrainDuplicates = train.Count(p => p.Pair.Duplicate),
            TrainBySource = Count(train),
            QuoraValidation = quoraValidation.Count,
            WrittenValidation = writtenValidation.Count,
            WrittenValidationBySource = Count(writtenValidation),
        };
        return new TrainingSets(train, quoraValidation, writtenValidation, summary);
    }

    private static List<SourcedPair> Spread(List<SourcedPair> pairs, int size)
    {
        if (size <= 0 || size >= pairs.Count)
        {
            return pairs;
        }

        var step = (double)pairs.Count / size;
        return [.. Enumerable.Range(0, size).Select(i => pairs[(int)(i * step)])];
    }

    private static SortedDictionary<string, int> Count(IEnumerable<SourcedPair> pairs) =>
        new(pairs.GroupBy(p => p.Source).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);
}
