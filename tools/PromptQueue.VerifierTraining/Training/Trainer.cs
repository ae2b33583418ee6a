using System.Diagnostics;
using System.Runtime.InteropServices;
using PromptQueue.VerifierTraining.Evaluation;
using PromptQueue.VerifierTraining.Model;
using PromptQueue.Worker.Matching;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PromptQueue.VerifierTraining.Training;

/// <summary>An encoded pair and its label.</summary>
internal sealed record Example(EncodedInput Input, bool Duplicate);

/// <summary>Where training stood at the end of an epoch.</summary>
internal sealed record EpochResult(int Epoch, int Steps, double Loss, double ValidationAuc, double Seconds);

/// <summary>
/// Binary cross-entropy fine-tuning of the whole <see cref="CrossEncoder"/> with AdamW (linear warm-up, then linear
/// decay), gradients clipped at norm 1. Deterministic for a seed: the batches of every epoch are drawn from one
/// seeded <see cref="Random"/>, dropout from LibTorch's seeded generator, on a fixed number of threads.
/// </summary>
internal static class Trainer
{
    private const int LogEverySteps = 100;

    public static List<EpochResult> Run(CrossEncoder model, IReadOnlyList<Example> train, IReadOnlyList<Example> validation, TrainingSettings settings, TextWriter log)
    {
        var random = new Random(settings.Seed);
        var epochs = Enumerable.Range(0, settings.Epochs).Select(_ => BucketBatches(train, settings.BatchSize, random)).ToList();
        var totalSteps = epochs.Sum(e => e.Count);
        var warmupSteps = Math.Max(1, (int)Math.Round(totalSteps * settings.WarmupShare));
        var parameters = model.parameters().ToList();
        using var optimizer = optim.AdamW(parameters, lr: settings.LearningRate, weight_decay: settings.WeightDecay);
        var validationInputs = validation.Select(e => e.Input).ToList();
        var validationLabels = validation.Select(e => e.Duplicate).ToList();
        log.WriteLine($"training: {train.Count} pairs, {settings.Epochs} epoch(s) of {epochs[0].Count} batches of {settings.BatchSize}, {totalSteps} steps, warm-up {warmupSteps}");

        var results = new List<EpochResult>();
        var clock = Stopwatch.StartNew();
        var (step, seen) = (0, 0);
        for (var epoch = 0; epoch < epochs.Count; epoch++)
        {
            var (epochLoss, windowLoss, windowSteps) = (0.0, 0.0, 0);
            foreach (var batch in epochs[epoch])
            {
                var rate = settings.LearningRate * (step < warmupSteps
                    ? (step + 1.0) / warmupSteps
                    : Math.Max(0.0, (totalSteps - step) / (double)Math.Max(1, totalSteps - warmupSteps)));
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = rate;
                }

                var loss = Step(model, optimizer, batch, parameters);
                (epochLoss, windowLoss, windowSteps, step, seen) = (epochLoss + loss, windowLoss + loss, windowSteps + 1, step + 1, seen + batch.Length);
                if (step % LogEverySteps == 0)
                {
                    var perPair = clock.Elapsed.TotalMilliseconds / seen;
                    log.WriteLine(
                        $"  step {step}/{totalSteps}  epoch {epoch + 1}  loss {windowLoss / windowSteps:F3}  {perPair:F1} ms/pair  " +
                        $"elapsed {clock.Elapsed:hh\\:mm\\:ss}  left ~{TimeSpan.FromMilliseconds(perPair * ((totalSteps - step) * (double)settings.BatchSize)):hh\\:mm\\:ss}");
                    (windowLoss, windowSteps) = (0, 0);
                }
            }

            var auc = Metrics.Auc(Score(model, validationInputs), validationLabels);
            results.Add(new EpochResult(epoch + 1, step, epochLoss / epochs[epoch].Count, auc, clock.Elapsed.TotalSeconds));
            log.WriteLine($"epoch {epoch + 1}: mean loss {epochLoss / epochs[epoch].Count:F4}, validation AUC {auc:F4} (TorchSharp), {clock.Elapsed:hh\\:mm\\:ss}");
        }

        return results;
    }

    /// <summary>Logits of the inputs, in eval mode (no dropout), scored in batches of similar length.</summary>
    public static float[] Score(CrossEncoder model, IReadOnlyList<EncodedInput> inputs, int batchSize = 64)
    {
        model.eval();
        using var _ = no_grad();
        var scores = new float[inputs.Count];
        foreach (var chunk in Enumerable.Range(0, inputs.Count).OrderBy(i => inputs[i].Length).Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            var logits = model.call(Batch.Of([.. chunk.Select(i => inputs[i])])).data<float>().ToArray();
            for (var k = 0; k < chunk.Length; k++)
            {
                scores[chunk[k]] = logits[k];
            }
        }

        return scores;
    }

    /// <summary>
    /// Batches of similar length, so little of a batch is padding, in a random order: shuffle, sort each window of 50
    /// batches by length, cut it into batches, then shuffle the batches.
    /// </summary>
    private static List<Example[]> BucketBatches(IReadOnlyList<Example> examples, int batchSize, Random random)
    {
        var shuffled = examples.ToArray();
        random.Shuffle(shuffled);
        var batches = shuffled.Chunk(batchSize * 50)
            .SelectMany(window => window.OrderBy(p => p.Input.Length).Chunk(batchSize))
            .ToList();
        random.Shuffle(CollectionsMarshal.AsSpan(batches));
        return batches;
    }

    private static double Step(CrossEncoder model, optim.Optimizer optimizer, IReadOnlyList<Example> batch, IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        model.train();
        optimizer.zero_grad();
        var logits = model.call(Batch.Of([.. batch.Select(p => p.Input)]));
        var labels = tensor(batch.Select(p => p.Duplicate ? 1f : 0f).ToArray());
        var loss = nn.functional.binary_cross_entropy_with_logits(logits, labels);
        loss.backward();
        nn.utils.clip_grad_norm_(parameters, 1.0);
        optimizer.step();
        return loss.item<float>();
    }
}
