using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using PromptQueue.TestSupport;
using PromptQueue.VerifierTraining.Output;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.VerifierTraining.Tests;

/// <summary>
/// The training command end to end at --tiny size (64 training pairs, 1 epoch, 32 validation pairs), twice with the
/// same seed, each in its own process as scripts/train-verifier runs it.
/// </summary>
public sealed class TinyTrainingTests : IDisposable
{
    private static readonly (string A, string B)[] Pairs =
    [
        ("How do I reset my password?", "How can I reset my password?"),
        ("Deploy the service with 3 replicas.", "Deploy the service with 5 replicas."),
        ("What is the capital of France?", "Which city is the capital of France?"),
        ("Is it safe to delete the cache folder?", "Is it not safe to delete the cache folder?"),
    ];

    /// <summary>Thresholds of the calibration grid: 0.05 to 0.95 by 0.05, 0.96 to 0.99, 0.995, 0.999.</summary>
    private const int CalibrationGrid = 25;

    private readonly string _folder = Directory.CreateTempSubdirectory("verifier-tiny-").FullName;

    [Fact]
    public void Tiny_run_writes_a_loadable_model_and_its_calibration_and_repeats_exactly_for_its_seed()
    {
        var first = Train("first");
        var second = Train("second");

        foreach (var file in new[] { ModelFolder.ModelFile, VerifierMetadata.FileName, ModelFolder.CalibrationFile, ModelFolder.CardFile })
        {
            Assert.True(File.Exists(Path.Combine(first, file)), $"{file} missing");
        }

        using (var calibration = JsonDocument.Parse(File.ReadAllText(Path.Combine(first, ModelFolder.CalibrationFile))))
        {
            var root = calibration.RootElement;
            Assert.Equal(0.75, root.GetProperty("candidateFloor").GetDouble());
            var sets = root.GetProperty("sets").EnumerateArray().ToList();
            Assert.Equal(["quora-validation", "written-validation", "pooled"], sets.Select(s => s.GetProperty("name").GetString()).Distinct());
            Assert.Equal([0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98], sets.Where(s => s.GetProperty("budget").GetBoolean()).Select(s => s.GetProperty("floor").GetDouble()));
            Assert.All(sets, s => Assert.NotEmpty(s.GetProperty("rows").EnumerateArray()));
            Assert.Equal(32, sets[^1].GetProperty("pairs").GetInt32());
        }

        // The worker reads what the tool writes.
        var read = VerifierCalibration.Read(Path.Combine(first, ModelFolder.CalibrationFile));
        Assert.Equal(0.75, read.CandidateFloor);
        Assert.All(read.Sets, s => Assert.Equal(CalibrationGrid, s.Rows.Count));

        var scores = Score(Path.Combine(first, ModelFolder.ModelFile));
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        Assert.Equal(scores, Score(Path.Combine(second, ModelFolder.ModelFile)));
        Assert.Equal(Hash(first, ModelFolder.ModelFile), Hash(second, ModelFolder.ModelFile));
        Assert.Equal(File.ReadAllText(Path.Combine(first, ModelFolder.CalibrationFile)), File.ReadAllText(Path.Combine(second, ModelFolder.CalibrationFile)));
        Assert.InRange(new FileInfo(Path.Combine(first, ModelFolder.ModelFile)).Length, 1, ModelFolder.CommitBudgetBytes);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Train(string name)
    {
        var output = Path.Combine(_folder, name);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Find() };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "PromptQueue.VerifierTraining.dll"), "--tiny", "--out", output })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "the tiny run took over 5 minutes (about 12 s alone)");
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{stdout}\n{stderr.Result}");
        return output;
    }

    private static float[] Score(string model)
    {
        var encoder = new PairEncoder(MiniLmEmbedder.CreateTokenizer(), maxLength: 128);
        using var verifier = new PairVerifierModel(File.ReadAllBytes(model), threads: 1);
        return verifier.Logits([.. Pairs.Select(p => encoder.EncodePair(p.A, p.B))]);
    }

    private static string Hash(string folder, string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, file))));
}
