using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Datasets;
using PromptQueue.Producer.Sample;
using PromptQueue.TestSupport;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using Spectre.Console;
using StackExchange.Redis;

namespace PromptQueue.Bench;

/// <summary>
/// The response cache's figures, in one run: the GPTCache benchmark protocol on the labelled pairs (through the
/// worker's own ResponseCache), semantic lookup latency and recall at 10k and 100k entries in one scope, memory
/// per 100k entries in L1 and Redis, and end-to-end latency of exact and semantic hits vs. provider calls.
/// </summary>
public static class CacheBench
{
    private const string Scope = "bench-scope";

    public static async Task RunAsync(Uri broker, string pairsPath, int pairLimit, string redisConfiguration)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new WorkerMetrics(services.GetRequiredService<IMeterFactory>());
        using var embedder = new MiniLmEmbedder(Options.Create(new EmbeddingOptions { MaxBatchSize = 32 }));
        var all = LabelledPairs.Read(pairsPath).ToList();
        var pairs = LabelledPairs.Sample(all, pairLimit, PairSpread.WholeStep);
        var labels = Labels.Of(all);
        AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 180); // wide tables: rows stay on one line in logs and docs
        AnsiConsole.MarkupLine($"embedding {pairs.Count * 2} questions of {pairs.Count} pairs…");
        var embeddings = EmbedAll(embedder, [.. pairs.SelectMany(p => new[] { p.A, p.B })]);

        var hitting = GptCacheProtocol(pairs, embeddings, labels, metrics);
        var vectors = embeddings.Select(e => e.Vector).ToList();
        Lookup(vectors, 10_000);
        Lookup(vectors, 100_000);
        await MemoryAsync(vectors, pairs, redisConfiguration, metrics);
        await EndToEndAsync(broker, hitting);
    }

    /// <summary>
    /// GPTCache's protocol: store the first question of every pair with its own answer, ask with the second. A
    /// duplicate pair should hit its own entry; a non-duplicate pair must miss (its near-miss partner is cached).
    /// Run at the default threshold and a few stricter ones; returns the duplicate pairs that hit their own entry
    /// at the default.
    /// </summary>
    private static List<LabelledPair> GptCacheProtocol(List<LabelledPair> pairs, IReadOnlyList<Embedding> embeddings, Labels labels, WorkerMetrics metrics)
    {
        var defaults = new MatchOptions();
        var table = new Table().AddColumns("cosine ≥", "own entry", "other entry, a duplicate by the file's labels", "other entry (wrong or unlabelled)", "duplicates missed", "non-duplicates hit (must miss)", "precision (protocol)", "precision (labelled duplicates count)", "duplicates served");
        List<LabelledPair> correctAtDefault = [];
        var examples = new List<string>();
        foreach (var threshold in new[] { defaults.SimilarityThreshold, 0.95, 0.96, 0.97, 0.98 })
        {
            var options = Options.Create(new CacheOptions { L1MaxBytes = 4L << 30 });
            using var local = new LocalAnswerCache(options, TimeProvider.System);
            var redis = new RedisConnection(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, NullLogger<RedisConnection>.Instance);
            var matcher = new SemanticMatcher(new StaticOptionsMonitor<MatchOptions>(new MatchOptions { SimilarityThreshold = threshold }));
            var cache = new ResponseCache(options, local, redis, matcher, metrics, TimeProvider.System, NullLogger<ResponseCache>.Instance);
            for (var i = 0; i < pairs.Count; i++)
            {
                var now = DateTimeOffset.UtcNow;
                cache.StoreAsync(Reuse($"a{i}", pairs[i].A), embeddings[2 * i], new CachedAnswer { RequestId = $"a{i}", Content = $"answer {i}", Usage = new TokenUsage(), StoredAt = now, NotAfter = now.AddDays(1) }).GetAwaiter().GetResult();
            }

            int own = 0, sameQuestion = 0, wrong = 0, missedDuplicates = 0, nonDuplicatesHit = 0;
            for (var i = 0; i < pairs.Count; i++)
            {
                var hit = cache.FindSimilarAsync(Reuse($"b{i}", pairs[i].B), embeddings[(2 * i) + 1]).GetAwaiter().GetResult();
                if (hit is null)
                {
                    missedDuplicates += pairs[i].Duplicate ? 1 : 0;
                    continue;
                }

                var matched = int.Parse(hit.Answer.RequestId[1..], System.Globalization.CultureInfo.InvariantCulture);
                nonDuplicatesHit += pairs[i].Duplicate ? 0 : 1;
                if (pairs[i].Duplicate && matched == i)
                {
                    own++;
                    if (threshold == defaults.SimilarityThreshold)
                    {
                        correctAtDefault.Add(pairs[i]);
                    }

                    continue;
                }

                // QQP repeats questions across pairs: an entry cached by another pair holds an answer to this question
                // when the file's own labels make the two questions duplicates (same text, or linked by duplicate pairs).
                if (matched != i && labels.Duplicates(pairs[matched].A, pairs[i].B))
                {
                    sameQuestion++;
                    continue;
                }

                wrong++;
                if (threshold == defaults.SimilarityThreshold && examples.Count < 25)
                {
                    examples.Add($"{hit.Similarity:0.000} {(pairs[i].Duplicate ? "dup" : "non")}  asked: {pairs[i].B}  →  cached: {pairs[matched].A}");
                }
            }

            var duplicates = pairs.Count(p => p.Duplicate);
            var hits = own + sameQuestion + wrong;
            var mark = threshold == defaults.SimilarityThreshold ? " (default)" : "";
            table.AddRow($"{threshold:0.00}{mark}", $"{own}", $"{sameQuestion}", $"{wrong}", $"{missedDuplicates}", $"{nonDuplicatesHit} ({Pct(nonDuplicatesHit, pairs.Count - duplicates)})",
                $"{(double)own / Math.Max(1, hits):0.000}", $"{(double)(own + sameQuestion) / Math.Max(1, hits):0.000}", Pct(own, duplicates));
        }

        AnsiConsole.MarkupLine($"\n[bold]GPTCache protocol[/]: {pairs.Count} pairs ({pairs.Count(p => p.Duplicate)} duplicates); the first question of each cached in one scope, the second asked; guards on");
        AnsiConsole.Write(table);
        if (Environment.GetEnvironmentVariable("BENCH_EXAMPLES") is not null)
        {
            AnsiConsole.WriteLine("Wrong hits at the default (similarity, label of the asked pair, question asked, cached question served):");
            examples.ForEach(e => AnsiConsole.WriteLine(e));
        }

        return correctAtDefault;
    }

    /// <summary>Lookup latency (embedding excluded) and the recall the 1-bit scan loses against an exact scan.</summary>
    private static void Lookup(List<float[]> real, int entries)
    {
        var random = new Random(42);
        var index = new ScopeIndex(entries);
        // Real question vectors first; past them, noisy copies (cosine ~0.9 to their source) fill the scope, which
        // makes it denser with near neighbours than real traffic: a hard case for the quantised scan.
        var queries = real.Where((_, i) => i % 2 == 1).Take(1000).ToList();
        var stored = real.Where((_, i) => i % 2 == 0).ToList();
        for (var i = 0; i < entries; i++)
        {
            var vector = i < stored.Count ? stored[i] : Noisy(stored[i % stored.Count], random, 0.025);
            index.Upsert($"k{i}", vector, "");
        }

        var threshold = new MatchOptions().SimilarityThreshold;
        var latencies = new List<double>(queries.Count);
        var exactLatencies = new List<double>(queries.Count);
        int withExactMatch = 0, found = 0, topAgree = 0, nearestAgree = 0;
        foreach (var query in queries)
        {
            var clock = Stopwatch.StartNew();
            var approximate = index.Search(query, 64, threshold);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            var exact = index.SearchExact(query, 1, threshold);
            exactLatencies.Add(clock.Elapsed.TotalMilliseconds);
            nearestAgree += index.Search(query, 64, -1)[0].Key == index.SearchExact(query, 1, -1)[0].Key ? 1 : 0;
            if (exact.Count > 0)
            {
                withExactMatch++;
                found += approximate.Any(a => a.Key == exact[0].Key) ? 1 : 0;
                topAgree += approximate.Count > 0 && approximate[0].Key == exact[0].Key ? 1 : 0;
            }
        }

        var table = new Table().AddColumns("search", "p50 ms", "p99 ms");
        latencies.Sort();
        exactLatencies.Sort();
        table.AddRow("1-bit scan + float16 rescoring of 64", F(Percentiles.NearestRank(latencies, 0.5)), F(Percentiles.NearestRank(latencies, 0.99)));
        table.AddRow("exact scan (float16, every entry)", F(Percentiles.NearestRank(exactLatencies, 0.5)), F(Percentiles.NearestRank(exactLatencies, 0.99)));
        AnsiConsole.MarkupLine($"\n[bold]Semantic lookup, {entries:N0} entries in one scope[/], {queries.Count} queries (embedding excluded)");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"recall vs. exact scan: of {withExactMatch} queries with an entry at cosine ≥ {threshold}, the quantised search returned that entry for [bold]{found}[/] ({Pct(found, withExactMatch)}), as its best for {topAgree}; nearest entry whatever its similarity: the same as the exact scan's for [bold]{nearestAgree}[/] of {queries.Count} ({Pct(nearestAgree, queries.Count)})");
    }

    private static async Task MemoryAsync(List<float[]> real, List<LabelledPair> pairs, string redisConfiguration, WorkerMetrics metrics)
    {
        const int Entries = 100_000;
        var random = new Random(7);
        var texts = pairs.Select(p => p.A).ToList();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var index = new ScopeIndex(Entries);
        for (var i = 0; i < Entries; i++)
        {
            index.Upsert(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))), Noisy(real[i % real.Count], random, 0.01), texts[i % texts.Count] + $" #{i}");
        }

        var indexBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(index);

        var prefix = $"pq-bench-{Guid.NewGuid():N}"[..24];
        var options = Options.Create(new CacheOptions { Redis = redisConfiguration, KeyPrefix = prefix, L1MaxBytes = 4L << 30, SyncStreamLength = 1000 });
        await using var redis = new RedisConnection(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, NullLogger<RedisConnection>.Instance);
        using var local = new LocalAnswerCache(options, TimeProvider.System);
        var cache = new ResponseCache(options, local, redis, new SemanticMatcher(new StaticOptionsMonitor<MatchOptions>(new MatchOptions())), metrics, TimeProvider.System, NullLogger<ResponseCache>.Instance);
        for (var i = 0; i < 50 && redis.Database is null; i++)
        {
            await Task.Delay(100);
        }

        var db = redis.Database ?? throw new InvalidOperationException($"Redis at {redisConfiguration} is unreachable.");
        var redisBefore = UsedMemory(db);
        GC.Collect();
        var l1Before = GC.GetTotalMemory(forceFullCollection: true);
        var answer = new string('x', 400); // a short paragraph
        var writes = new List<Task>(1000);
        for (var i = 0; i < Entries; i++)
        {
            var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
            var now = DateTimeOffset.UtcNow;
            writes.Add(cache.StoreAsync(new RequestReuse(ReuseKind.Semantic, Scope, key, "tenant:bench", texts[i % texts.Count]), new Embedding(real[i % real.Count], 0),
                new CachedAnswer { RequestId = $"bench-{i}", Content = answer, Usage = new TokenUsage { PromptTokens = 20, CompletionTokens = 100, TotalTokens = 120 }, Provider = "sim", StoredAt = now, NotAfter = now.AddDays(1) }));
            if (writes.Count == 1000)
            {
                await Task.WhenAll(writes);
                writes.Clear();
            }
        }

        await Task.WhenAll(writes);
        var l1Bytes = GC.GetTotalMemory(forceFullCollection: true) - l1Before - indexBytes; // the cache indexed its own copy too
        var redisBytes = UsedMemory(db) - redisBefore;
        var table = new Table().AddColumns("where", "per 100k entries", "per entry");
        table.AddRow("worker: semantic index (1-bit codes, float16 vectors, keys, texts)", Mb(indexBytes), $"{indexBytes / Entries:N0} B");
        table.AddRow("worker: L1 answers (400-character answers)", Mb(Math.Max(0, l1Bytes)), $"{Math.Max(0, l1Bytes) / Entries:N0} B");
        table.AddRow("Redis: answer hash + index field + change stream entry (used_memory)", Mb(redisBytes), $"{redisBytes / Entries:N0} B");
        AnsiConsole.MarkupLine("\n[bold]Memory per 100k entries[/]");
        AnsiConsole.Write(table);

        // Clean up this run's keys.
        var server = db.Multiplexer.GetServers()[0];
        var batch = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: $"{prefix}:*", pageSize: 5000))
        {
            batch.Add(key);
            if (batch.Count == 5000)
            {
                await db.KeyDeleteAsync([.. batch]);
                batch.Clear();
            }
        }

        await db.KeyDeleteAsync([.. batch]);
    }

    /// <summary>Exact hits, semantic hits and provider calls through the running worker and simulator, paced, in one run.</summary>
    /// <remarks>The pairs are duplicates whose second question hit the first in the protocol run, so the third row is semantic hits.</remarks>
    private static async Task EndToEndAsync(Uri broker, List<LabelledPair> pairs)
    {
        var count = Math.Min(150, pairs.Count);
        var tenant = $"bench-cache-{Guid.NewGuid():N}";
        var duplicates = pairs.Take(count).ToList();
        var phases = new (string Name, Func<LabelledPair, string> Text)[]
        {
            ("provider call (cache miss)", p => p.A),
            ("exact hit (same prompt again)", p => p.A),
            ("semantic hit (the paraphrase)", p => p.B),
        };
        var table = new Table().AddColumns("requests", "sources", "e2e p50 ms", "e2e p99 ms", "p50 / provider p50");
        double? providerP50 = null;
        // Warm-up (another tenant): the worker's first requests open provider connections and JIT the path.
        await new ProducerRun(new ProducerSettings { RabbitMqUri = broker, Count = 60, Rate = 30, Tenant = $"{tenant}-warmup", Mix = PriorityMix.Parse("normal=1"), Quiet = true }, TimeProvider.System)
            .RunAsync([.. pairs.Take(60).Select(p => new CompletionRequest { RequestId = $"warm-{Guid.NewGuid():N}", TenantId = $"{tenant}-warmup", Model = "sim-small", MaxTokens = 64, Messages = [new ChatMessage { Role = "user", Content = p.A }] })], CancellationToken.None);
        foreach (var (name, text) in phases)
        {
            var settings = new ProducerSettings { RabbitMqUri = broker, Count = count, Rate = 30, Tenant = tenant, Mix = PriorityMix.Parse("normal=1"), Quiet = true };
            var requests = duplicates.Select(p => new CompletionRequest
            {
                RequestId = $"cache-{Guid.NewGuid():N}",
                TenantId = tenant,
                Model = "sim-small",
                Temperature = 0,
                MaxTokens = 64,
                Messages = [new ChatMessage { Role = "system", Content = "Answer briefly." }, new ChatMessage { Role = "user", Content = text(p) }],
            }).ToList();
            var run = await new ProducerRun(settings, TimeProvider.System).RunAsync(requests, CancellationToken.None);
            providerP50 ??= run.EndToEndMs.P50;
            var sources = string.Join(", ", run.BySource.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}"));
            table.AddRow(name, sources, F(run.EndToEndMs.P50), F(run.EndToEndMs.P99), $"{run.EndToEndMs.P50 / providerP50:0.000}");
        }

        AnsiConsole.MarkupLine($"\n[bold]End to end through the worker[/] ({count} requests per row at 30/s; simulator latency as scripts/bench cache sets it)");
        AnsiConsole.Write(table);
    }

    private static string Normalize(string text) => string.Join(' ', text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('?', '.', ' ');

    private static RequestReuse Reuse(string key, string text) => new(ReuseKind.Semantic, Scope, key, "tenant:bench", text);

    private static float[] Noisy(float[] source, Random random, double sigma)
    {
        var vector = new float[source.Length];
        for (var d = 0; d < vector.Length; d++)
        {
            // Box-Muller: Gaussian noise per dimension.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            vector[d] = (float)(source[d] + (sigma * gaussian));
        }

        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
        System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
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

    private static long UsedMemory(IDatabase db) => long.Parse(((string)db.Execute("MEMORY", "STATS").ToDictionary()["total.allocated"]!)!, System.Globalization.CultureInfo.InvariantCulture);

    private static string Pct(int part, int whole) => whole == 0 ? "-" : $"{100.0 * part / whole:0.0}%";

    private static string F(double value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => $"{bytes / 1048576.0:0.0} MB";

    /// <summary>Questions the file labels duplicates of each other: connected by duplicate pairs (union-find), text normalised.</summary>
    private sealed class Labels
    {
        private readonly Dictionary<string, string> _parent = new(StringComparer.Ordinal);

        public static Labels Of(List<LabelledPair> all)
        {
            var labels = new Labels();
            foreach (var pair in all.Where(p => p.Duplicate))
            {
                labels.Union(Normalize(pair.A), Normalize(pair.B));
            }

            return labels;
        }

        public bool Duplicates(string a, string b) => Find(Normalize(a)) == Find(Normalize(b));

        private string Find(string x)
        {
            while (_parent.TryGetValue(x, out var parent) && parent != x)
            {
                x = parent;
            }

            return x;
        }

        private void Union(string a, string b)
        {
            var (ra, rb) = (Find(a), Find(b));
            _parent.TryAdd(ra, ra);
            _parent[rb] = ra;
        }
    }
}
