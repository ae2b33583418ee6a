using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PromptQueue.VerifierTraining.Evaluation;

namespace PromptQueue.VerifierTraining.Output;

/// <summary>What a training run leaves in its model folder (default models/pair-verifier/), all of it meant to be committed.</summary>
internal static class ModelFolder
{
    public const string DefaultPath = "models/pair-verifier";
    public const string ModelFile = "pair-verifier.onnx";
    public const string CalibrationFile = "calibration.json";
    public const string CardFile = "MODEL_CARD.md";

    /// <summary>Above this the model is too big to commit: the export fell back to a float form.</summary>
    public const long CommitBudgetBytes = 30L * 1024 * 1024;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep ' and > readable
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(string folder, byte[] onnx, VerifierMetadata metadata, CalibrationReport calibration)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, ModelFile), onnx);
        File.WriteAllText(Path.Combine(folder, VerifierMetadata.FileName), JsonSerializer.Serialize(metadata, Json) + "\n");
        WriteCalibration(folder, metadata, calibration);
    }

    /// <summary>calibration.json and the model card (which shows it).</summary>
    public static void WriteCalibration(string folder, VerifierMetadata metadata, CalibrationReport calibration)
    {
        File.WriteAllText(Path.Combine(folder, CalibrationFile), JsonSerializer.Serialize(calibration, Json) + "\n");
        File.WriteAllText(Path.Combine(folder, CardFile), ModelCard.Markdown(metadata, calibration));
    }
}
