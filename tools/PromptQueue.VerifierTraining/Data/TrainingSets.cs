using PromptQueue.Datasets;

namespace PromptQueue.VerifierTraining.Data;

/// <summary>A labelled pair and where it came from ("quora", "rule:negation", "written-statements", "written-requests").</summary>
internal sealed record SourcedPair(LabelledPair Pair, string Source);

/// <summary>Where the data is. Only the written sets' train files are ever opened; their test files never are.</summary>
internal sealed record DataSources(string QuoraPath, string WrittenDirectory)
{
    public string StatementsTrain => Path.Combine(WrittenDirectory, "tech-statements-train.jsonl");

    public string RequestsTrain => Path.Combine(WrittenDirectory, "llm-requests-train.jsonl");
}

/// <summary>
/// The verifier's training and validation pairs. Training: the Quora train part of <see cref="HeldOutSplit"/>, rule-made
/// near-misses and paraphrases of its questions (<see cref="RuleVariants"/>), and the written train sets less what is
/// held back. Validation: the Quora validation part, 2 of the 12 statement topics and 20 % of the written request
/// lines (both chosen by <see cref="SeededShare"/> with the split's seed, so they never change with the training seed).
/// The Quora test part is set aside as soon as it is split off; its questions serve only to drop rule variants that
/// would coincide with a held-out question.
/// </summary>
internal sealed record TrainingSets(List<SourcedPair> Train, List<SourcedPair> QuoraValidation, List<SourcedPair> WrittenValidation, DataSummary Summary)
{
    public const int HeldBackTopics = 2;
    public const double HeldBackRequestShare = 0.2;

    /// <summary>
    /// Reads and splits the data. A training cap keeps a seeded sample of the training pairs; a validation cap keeps
    /// that many validation pairs, half Quora and half written, spread evenly (0: all, for either).
    /// </summary>
    public static TrainingSets Load(DataSources sources, int seed, int trainCap, int validationCap)
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

        var statements = WrittenPairs.Statements(sources.StatementsTrain).ToList();
        var heldTopics = statements.Select(s => s.Topic).Distinct(StringComparer.Ordinal)
            .OrderBy(topic => SeededShare.Of(HeldOutSplit.Seed, topic)).Take(HeldBackTopics).Order(StringComparer.Ordinal).ToList();
        var requests = WrittenPairs.Requests(sources.RequestsTrain).ToList();
        bool HeldRequest(KindedPair r) => SeededShare.Of(HeldOutSplit.Seed, r.Pair.A + "\n" + r.Pair.B) < HeldBackRequestShare;

        var statementsValidation = statements.Where(s => heldTopics.Contains(s.Topic)).Select(s => new SourcedPair(s.Pair, "written-statements")).ToList();
        var requestsValidation = requests.Where(HeldRequest).Select(r => new SourcedPair(r.Pair, "written-requests")).ToList();
        var train = split.Train.Select(p => new SourcedPair(p, "quora"))
            .Concat(variants.Select(v => new SourcedPair(v.Pair, "rule:" + v.Kind)))
            .Concat(statements.Where(s => !heldTopics.Contains(s.Topic)).Select(s => new SourcedPair(s.Pair, "written-statements")))
            .Concat(requests.Where(r => !HeldRequest(r)).Select(r => new SourcedPair(r.Pair, "written-requests")))
            .ToList();
        var available = train.Count;
        if (trainCap > 0 && trainCap < train.Count)
        {
            var shuffled = train.ToArray();
            new Random(seed).Shuffle(shuffled);
            train = [.. shuffled.Take(trainCap)];
        }

        var quoraValidation = split.Validation.Select(p => new SourcedPair(p, "quora")).ToList();
        var writtenValidation = statementsValidation.Concat(requestsValidation).ToList();
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
            RuleVariantsDropped = made.Count - variants.Count,
            WrittenStatementsTrain = statements.Count - statementsValidation.Count,
            WrittenRequestsTrain = requests.Count - requestsValidation.Count,
            StatementTopicsHeldBack = heldTopics,
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
