using System.Diagnostics.Metrics;
using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.Datasets;
using PromptQueue.TestSupport;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Redis;
using Spectre.Console;

namespace PromptQueue.Bench.Cache;

/// <summary>
/// The response cache's figures, in one run: the GPTCache benchmark protocol on the labelled pairs (through the
/// worker's own ResponseCache), semantic lookup latency and recall at 10k and 100k entries in one scope, memory
/// per 100k entries in L1 and Redis, and end-to-end latency of exact and semantic hits vs. provider calls.
/// </summary>
public static class CacheBench
{
    /// <summary>The one scope every bench entry is stored in.</summary>
    internal const string Scope = "bench-scope";

    public static async Task RunAsync(Uri broker, string pairsPath, int pairLimit, string redisConfiguration)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new WorkerMetrics(services.GetRequiredService<IMeterFactory>());
        using var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions { MaxBatchSize = 32 }));
        var all = LabelledPairs.Read(pairsPath).ToList();
        var pairs = LabelledPairs.Sample(all, pairLimit, PairSpread.WholeStep);
        var labels = QuestionLabels.Of(all);
        AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 180); // wide tables: rows stay on one line in logs and docs
        AnsiConsole.MarkupLine($"embedding {pairs.Count * 2} questions of {pairs.Count} pairs…");
        var embeddings = EmbedAll(embedder, [.. pairs.SelectMany(p => new[] { p.A, p.B })]);

        using var runners = new ModelRunners(0);
        using var verifier = new PairVerifier(Options.Create(new MatchOptions()), Options.Create(new EmbeddingOptions()), runners);
        var hitting = GptCacheProtocol.Run(pairs, embeddings, labels, metrics, verifier);
        var vectors = embeddings.Select(e => e.Vector).ToList();
        SemanticLookupBench.Run(vectors, 10_000);
        SemanticLookupBench.Run(vectors, 100_000);
        await CacheMemoryBench.RunAsync(vectors, [.. pairs.Select(p => p.A)], redisConfiguration, metrics);
        await CacheEndToEndBench.RunAsync(broker, hitting);
    }

    /// <summary>The worker's response cache over these stores, matching as <paramref name="matcher"/> decides (the cosine-threshold defaults when null); no logs.</summary>
    internal static ResponseCache ResponseCacheOf(IOptions<CacheOptions> options, LocalAnswerCache local, RedisConnection redis, WorkerMetrics metrics, SemanticMatcher? matcher = null) =>
        new(options, local, redis, matcher ?? new SemanticMatcher(new StaticOptionsMonitor<MatchOptions>(new MatchOptions())), metrics, TimeProvider.System, NullLogger<ResponseCache>.Instance);

    internal static RedisConnection RedisOf(IOptions<CacheOptions> options) => new(options, NullLoggerFactory.Instance, NullLogger<RedisConnection>.Instance);

    internal static float[] Noisy(float[] source, Random random, double sigma)
    {
        var vector = new float[source.Length];
        for (var d = 0; d < vector.Length; d++)
        {
            // Box-Muller: Gaussian noise per dimension.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            vector[d] = (float)(source[d] + (sigma * gaussian));
        }

        var norm = TensorPrimitives.Norm(vector);
        TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }

    private static IReadOnlyList<Embedding> EmbedAll(MiniLmEmbedder embedder, List<string> texts)
    {
        var results = new Embedding[texts.Count];
        Parallel.For(0, (texts.Count + 63) / 64, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
        {
            var chunk = texts.GetRange(b * 64, Math.Min(64, texts.Count - (b * 64)));
            var embedded = embedder.Embed(chunk);
            for (var i = 0; i < embedded.Count; i++)
            {
                results[(b * 64) + i] = embedded[i];
            }
        });
        return results;
    }

    internal static string Pct(int part, int whole) => whole == 0 ? "-" : $"{100.0 * part / whole:0.0}%";

    internal static string F(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    internal static string Mb(long bytes) => $"{bytes / 1048576.0:0.0} MB";
}
