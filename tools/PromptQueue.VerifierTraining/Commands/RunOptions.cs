using PromptQueue.VerifierTraining.Data;
using PromptQueue.VerifierTraining.Training;

namespace PromptQueue.VerifierTraining.Commands;

/// <summary>
/// One training run: where the model goes, where the data is, how to train, how many training and validation
/// pairs to keep (0: all), and the command line (for the metadata and the model card).
/// </summary>
internal sealed record RunOptions(string Out, DataSources Sources, TrainingSettings Training, int TrainCap, int ValidationCap, string Command);
