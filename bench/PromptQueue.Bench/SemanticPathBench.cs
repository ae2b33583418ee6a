using System.Diagnostics;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Datasets;
using PromptQueue.Producer.Sample;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Bench;

/// <summary>
/// The semantic path's cost: raw in-process embedding throughput (batches of the lane's size), then the worker's
/// end-to-end throughput with semantic coalescing on and every request a miss (distinct questions, one scope, so
/// every request is embedded), measured one after the other in the same run.
/// </summary>
public static class SemanticPathBench
{
    public static async Task<(Measurement Embedding, Measurement Worker, Measurement WithoutEmbedding)> RunAsync(Uri broker, string questionsPath, int count, int batchSize)
    {
        var questions = DistinctQuestions(questionsPath, count);

        // Raw embedding measured before and after the worker runs, averaged: the machine drifts between phases.
        var before = RawEmbedding(questions, batchSize);
        var worker = await WorkerAsync(broker, questions, CachePolicy.Default, "worker, semantic on, all misses");
        var withoutEmbedding = await WorkerAsync(broker, questions, CachePolicy.ExactOnly, "worker, same requests exact-only (nothing embedded)");
        var after = RawEmbedding(questions, batchSize);
        var perSecond = Math.Round((before + after) / 2, 1);
        var embedding = new Measurement($"raw embedding, batches of {batchSize}, {Environment.ProcessorCount} at once (before {before:0}, after {after:0})",
            questions.Count, Math.Round(questions.Count / perSecond, 2), perSecond, Percentiles.Empty);
        return (embedding, worker, withoutEmbedding);
    }

    /// <summary>As many callers as the worker can have runs in flight: the embedder's best on this machine.</summary>
    public static double RawEmbedding(List<string> questions, int batchSize)
    {
        using var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions { MaxBatchSize = batchSize }));
        embedder.Embed(questions.Take(batchSize).ToList());
        var clock = Stopwatch.StartNew();
        Parallel.For(0, (questions.Count + batchSize - 1) / batchSize, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
            embedder.Embed(questions.GetRange(b * batchSize, Math.Min(batchSize, questions.Count - (b * batchSize)))));
        return questions.Count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<Measurement> WorkerAsync(Uri broker, List<string> questions, CachePolicy policy, string name)
    {
        // A tenant of its own per phase: the second phase must not hit what the first one cached.
        var tenant = $"bench-semantic-{Guid.NewGuid():N}";
        var settings = new ProducerSettings { RabbitMqUri = broker, Count = questions.Count, Tenant = tenant, Mix = PriorityMix.Parse("normal=1"), Quiet = true };
        var requests = QuestionRequests(tenant, questions, policy);
        var run = await new ProducerRun(settings, TimeProvider.System).RunAsync(requests, CancellationToken.None);
        var coalesced = run.BySource.GetValueOrDefault("Coalesced");
        return new Measurement($"{name} ({coalesced} coalesced)", run.Received, run.ElapsedSeconds, run.ThroughputPerSecond, run.EndToEndMs);
    }

    /// <summary>One request per question, of one tenant, each asked on its own (system prompt + the question).</summary>
    public static List<CompletionRequest> QuestionRequests(string tenant, IReadOnlyList<string> questions, CachePolicy policy = CachePolicy.Default) =>
        [.. questions.Select((q, i) => new CompletionRequest
        {
            CachePolicy = policy,
            RequestId = $"{tenant}-{i}",
            TenantId = tenant,
            Model = "sim-small",
            Temperature = 0,
            MaxTokens = 64,
            Messages = [new ChatMessage { Role = "system", Content = "Answer briefly." }, new ChatMessage { Role = "user", Content = q }],
        })];

    /// <summary>First questions of non-duplicate pairs, distinct: requests that should not match each other.</summary>
    public static List<string> DistinctQuestions(string path, int count) => [.. LabelledPairs.DistinctUnrelatedQuestions(path).Take(count)];
}
