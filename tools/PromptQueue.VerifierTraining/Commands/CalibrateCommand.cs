using System.CommandLine;
using System.Text.Json;
using PromptQueue.VerifierTraining.Data;
using PromptQueue.VerifierTraining.Evaluation;
using PromptQueue.VerifierTraining.Output;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.VerifierTraining.Commands;

/// <summary>
/// Rewrites a model folder's calibration.json and MODEL_CARD.md from its shipped ONNX file, scored on the validation
/// pairs the way the training run scores them (no training). For a calibration rule changed after a model was trained;
/// the run's own metadata (verifier.json) is kept as it is.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var folder = new Option<string>("--model") { Description = "Model folder", DefaultValueFactory = _ => ModelFolder.DefaultPath };
        var quora = new Option<string>("--quora") { Description = "Quora pairs, JSONL (gzip or plain); split by HeldOutSplit", DefaultValueFactory = _ => "../shared/data/qqp-pairs-dev.jsonl.gz" };
        var written = new Option<string>("--written") { Description = "Folder of the written sets (only their -train files are read)", DefaultValueFactory = _ => "data/written" };
        var command = new Command("calibrate", "Rewrites calibration.json and MODEL_CARD.md of a model folder from its ONNX file (validation pairs only)") { folder, quora, written };
        command.SetAction(parsed => Run(parsed.GetValue(folder)!, new DataSources(parsed.GetValue(quora)!, parsed.GetValue(written)!), Console.Out));
        return command;
    }

    public static int Run(string folder, DataSources sources, TextWriter log)
    {
        var metadata = JsonSerializer.Deserialize<VerifierMetadata>(File.ReadAllText(Path.Combine(folder, VerifierMetadata.FileName)), ModelFolder.Json)
            ?? throw new InvalidDataException($"{folder} has no {VerifierMetadata.FileName}");
        var data = TrainingSets.Load(sources, metadata.Training.Seed, trainCap: 0, validationCap: 0);
        var pairs = ValidationScoring.Pairs(data);
        var encoder = new PairEncoder(MiniLmEmbedder.CreateTokenizer(), metadata.MaxLength);
        float[] logits;
        using (var model = new PairVerifierModel(File.ReadAllBytes(Path.Combine(folder, ModelFolder.ModelFile)), metadata.Training.Threads))
        {
            logits = PairEncoder.HigherOfOrders(model.Logits([.. pairs.SelectMany(p => encoder.EncodeBothOrders(p.Pair.A, p.Pair.B))]));
        }

        var calibration = CalibrationReport.Of(ValidationScoring.Score(pairs, logits));
        ModelFolder.WriteCalibration(folder, metadata, calibration);
        foreach (var set in calibration.Sets)
        {
            log.WriteLine($"{set.Name}{(set.Budget ? " (budget)" : "")}: {set.Candidates} candidates, verifier AUC {set.VerifierAuc:F4} vs cosine {set.CosineAuc:F4}; " +
                string.Join(", ", set.Choices.Select(c => $"wrong <= {c.MaxWrongRate:0.#%}: {(c.Threshold is { } t ? $"{t} (recall {c.Recall:0.00})" : "none")}")));
        }

        return 0;
    }
}
