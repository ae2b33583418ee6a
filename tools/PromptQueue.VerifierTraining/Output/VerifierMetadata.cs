using PromptQueue.VerifierTraining.Data;
using PromptQueue.VerifierTraining.Export;
using PromptQueue.VerifierTraining.Training;

namespace PromptQueue.VerifierTraining.Output;

/// <summary>The validation figures over all pairs of a set (not only candidates): verifier and bi-encoder cosine.</summary>
internal sealed record ValidationFigures(string Set, int Pairs, double VerifierAuc, double CosineAuc);

/// <summary>verifier.json: how to feed the model, what it came from, and how it was trained and exported.</summary>
internal sealed record VerifierMetadata
{
    public const string FileName = "verifier.json";

    public string Model { get; init; } = ModelFolder.ModelFile;

    public required long ModelBytes { get; init; }

    public string[] Inputs { get; init; } = ["input_ids", "attention_mask", "token_type_ids"];

    public string InputShape { get; init; } = "int64 [batch, sequence], padded on the right with id 0";

    public string Output { get; init; } = "logit: float [batch]; the score sigmoid(logit) is what calibration.json's thresholds cut";

    public string PairFormat { get; init; } = "[CLS] a [SEP] b [SEP]; token_type_ids 0 through the first [SEP], 1 after it; attention_mask 1 on real word pieces";

    public string Pooling { get; init; } = "cls: the last layer's hidden state at [CLS], then Linear(384 -> 1); the head is inside the graph";

    public required int MaxLength { get; init; }

    public string Truncation { get; init; } = "longest first: word pieces are dropped from the end of the longer side until the pair fits";

    public required string Vocabulary { get; init; }

    public required string BaseModel { get; init; }

    public required ExportChoice Export { get; init; }

    public required TrainingSettings Training { get; init; }

    public required List<EpochResult> Epochs { get; init; }

    public required double TrainingSeconds { get; init; }

    public required string Split { get; init; }

    public required DataSummary Data { get; init; }

    public required List<ValidationFigures> Validation { get; init; }

    public required string GitCommit { get; init; }

    public required bool GitDirty { get; init; }

    public required string Command { get; init; }

    public required string TorchSharpVersion { get; init; }

    public required string OnnxRuntimeVersion { get; init; }
}
