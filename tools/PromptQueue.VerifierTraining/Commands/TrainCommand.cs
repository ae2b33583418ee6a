using System.CommandLine;
using PromptQueue.VerifierTraining.Data;
using PromptQueue.VerifierTraining.Output;
using PromptQueue.VerifierTraining.Training;

namespace PromptQueue.VerifierTraining.Commands;

/// <summary>The root command: trains the verifier and writes its model folder. Defaults are the shipped model's run.</summary>
internal static class TrainCommand
{
    /// <summary>--tiny: a run of seconds that goes through every stage, for the test.</summary>
    public const int TinyTrainPairs = 64;
    public const int TinyValidationPairs = 32;

    public static RootCommand Create()
    {
        var defaults = new TrainingSettings();
        var output = new Option<string>("--out") { Description = "Model folder to write", DefaultValueFactory = _ => ModelFolder.DefaultPath };
        var quora = new Option<string>("--quora") { Description = "Quora pairs, JSONL (gzip or plain); split by HeldOutSplit", DefaultValueFactory = _ => "../shared/data/qqp-pairs-dev.jsonl.gz" };
        var written = new Option<string>("--written") { Description = "Folder of the written sets (only their -train files are read)", DefaultValueFactory = _ => "data/written" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training pairs", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch") { Description = "Pairs per step", DefaultValueFactory = _ => defaults.BatchSize };
        var rate = new Option<double>("--lr") { Description = "Peak learning rate (AdamW)", DefaultValueFactory = _ => defaults.LearningRate };
        var warmup = new Option<double>("--warmup") { Description = "Share of the steps for the linear warm-up", DefaultValueFactory = _ => defaults.WarmupShare };
        var decay = new Option<double>("--weight-decay") { Description = "AdamW weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var maxLength = new Option<int>("--max-length") { Description = "Word pieces of a pair at most", DefaultValueFactory = _ => defaults.MaxLength };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, dropout, data order and rule variants (the split's is fixed)", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "LibTorch and ONNX Runtime threads", DefaultValueFactory = _ => defaults.Threads };
        var trainPairs = new Option<int>("--train-pairs") { Description = "Train on a seeded sample of this many pairs (0: all)" };
        var validationPairs = new Option<int>("--validation-pairs") { Description = "Validate on this many pairs, half Quora, half written (0: all)" };
        var nearMisses = new Option<double>("--rule-near-miss-share") { Description = "Share of the rule-made near-misses kept (seeded)", DefaultValueFactory = _ => defaults.RuleNearMissShare };
        var reworded = new Option<double>("--reworded-near-miss-share") { Description = "Share of the rule-made near-misses of training paraphrase pairs kept (seeded; 0: none)", DefaultValueFactory = _ => defaults.RewordedNearMissShare };
        var writtenRepeat = new Option<int>("--written-repeat") { Description = "Times each written train pair is trained on per epoch", DefaultValueFactory = _ => defaults.WrittenRepeat };
        var swapSides = new Option<bool>("--swap-sides") { Description = "Train each pair in a seeded random order of its two sides (off: the shipped run's)" };
        var tiny = new Option<bool>("--tiny") { Description = $"Every stage in seconds: {TinyTrainPairs} training pairs, 1 epoch, {TinyValidationPairs} validation pairs" };
        var root = new RootCommand("Trains the pair verifier: all-MiniLM-L6-v2 fine-tuned as a cross-encoder with TorchSharp, exported to ONNX with its calibration (scripts/train-verifier).")
        {
            output, quora, written, epochs, batch, rate, warmup, decay, maxLength, seed, threads, trainPairs, validationPairs, nearMisses, reworded, writtenRepeat, swapSides, tiny,
        };
        foreach (var positive in new[] { epochs, batch, maxLength, threads, writtenRepeat })
        {
            positive.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{result.Option.Name} must be at least 1");
                }
            });
        }

        root.Subcommands.Add(ParityCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.SetAction((parsed, _) =>
        {
            var isTiny = parsed.GetValue(tiny);
            var settings = new TrainingSettings
            {
                Epochs = isTiny ? 1 : parsed.GetValue(epochs),
                BatchSize = parsed.GetValue(batch),
                LearningRate = parsed.GetValue(rate),
                WarmupShare = parsed.GetValue(warmup),
                WeightDecay = parsed.GetValue(decay),
                MaxLength = parsed.GetValue(maxLength),
                Seed = parsed.GetValue(seed),
                Threads = parsed.GetValue(threads),
                RuleNearMissShare = parsed.GetValue(nearMisses),
                RewordedNearMissShare = parsed.GetValue(reworded),
                WrittenRepeat = parsed.GetValue(writtenRepeat),
                SwapSides = parsed.GetValue(swapSides),
            };
            var options = new RunOptions(
                parsed.GetValue(output)!,
                new DataSources(parsed.GetValue(quora)!, parsed.GetValue(written)!),
                settings,
                isTiny ? TinyTrainPairs : parsed.GetValue(trainPairs),
                isTiny ? TinyValidationPairs : parsed.GetValue(validationPairs),
                "scripts/train-verifier" + string.Concat(parsed.Tokens.Select(t => " " + t.Value)));
            return Task.FromResult(TrainingRun.Execute(options, Console.Out));
        });
        return root;
    }
}
