using System.Globalization;
using PromptQueue.Contracts;
using RabbitMQ.Client;

namespace PromptQueue.Bench.Suite;

/// <summary>
/// Starts the processes each workload needs, all on loopback: the provider simulator with a latency model, the
/// PromptQueue worker with a lane configuration, the plain worker. The broker and Redis are already running
/// (scripts/bench-suite starts them). The workers run from their ReadyToRun publish (what the Dockerfile ships) when
/// <paramref name="publishDirectory"/> holds one, else from the Release build.
/// </summary>
public sealed class SuiteServices(string root, Uri broker, string redis, string logDirectory, string? publishDirectory = null)
{
    public const int SimulatorPort = 5299;
    public const int WorkerPort = 8180;

    public Uri Broker => broker;

    public string Redis => redis;

    public Uri Simulator { get; } = new($"http://127.0.0.1:{SimulatorPort}/");

    public string LogDirectory => logDirectory;

    /// <summary>The simulator: latency = base + perToken × completion tokens + uniform(0, jitter); maxConcurrency 0 = no quota.</summary>
    public Task<ManagedProcess> StartSimulatorAsync(int baseMs, double perTokenMs = 0, int jitterMs = 0, int maxConcurrency = 0) =>
        ManagedProcess.StartAsync("simulator", Dll("src/ProviderSimulator", "PromptQueue.ProviderSimulator"), Path.Combine(root, "src/ProviderSimulator"),
            Simulator, new Uri(Simulator, "health"), new Dictionary<string, string>
            {
                ["Simulator__BaseLatencyMs"] = baseMs.ToString(CultureInfo.InvariantCulture),
                ["Simulator__PerTokenLatencyMs"] = perTokenMs.ToString(CultureInfo.InvariantCulture),
                ["Simulator__JitterMs"] = jitterMs.ToString(CultureInfo.InvariantCulture),
                ["Simulator__MaxConcurrency"] = maxConcurrency.ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
            }, logDirectory);

    /// <summary>Whether the workers run from the ReadyToRun publish.</summary>
    public bool Published => publishDirectory is not null && File.Exists(Path.Combine(publishDirectory, "worker", "PromptQueue.Worker.dll"));

    /// <summary>The PromptQueue worker, default lane only, with the given lane concurrency, batch size and provider connections.</summary>
    public Task<ManagedProcess> StartWorkerAsync(string name, int concurrency, int batch, int connections, IReadOnlyDictionary<string, string>? extra = null, bool jitBuild = false)
    {
        var environment = new Dictionary<string, string>
        {
            ["Messaging__RabbitMqUri"] = broker.ToString(),
            ["Cache__Redis"] = redis,
            ["Messaging__Lanes__default__ConcurrencyLimit"] = concurrency.ToString(CultureInfo.InvariantCulture),
            ["Messaging__Lanes__default__BatchMaxSize"] = batch.ToString(CultureInfo.InvariantCulture),
            ["Providers__Endpoints__simulator__BaseUrl"] = new Uri(Simulator, "v1/").ToString(),
            ["Providers__Endpoints__simulator__MaxConnectionsPerServer"] = connections.ToString(CultureInfo.InvariantCulture),
            // One tenant per run here: fair share between tenants is the FairShareTests' subject, not the bench's.
            ["Tenants__MaxLaneShare"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var url = new Uri($"http://127.0.0.1:{WorkerPort}/");
        var (dll, contentRoot) = Published && !jitBuild
            ? (Path.Combine(publishDirectory!, "worker", "PromptQueue.Worker.dll"), Path.Combine(publishDirectory!, "worker"))
            : (Dll("src/Worker", "PromptQueue.Worker"), Path.Combine(root, "src/Worker"));
        return ManagedProcess.StartAsync(name, dll, contentRoot, url, new Uri(url, "health/ready"), environment, logDirectory);
    }

    /// <summary>The plain MassTransit worker: concurrency = prefetch = provider connections.</summary>
    public Task<ManagedProcess> StartPlainWorkerAsync(int concurrency)
    {
        var url = new Uri($"http://127.0.0.1:{WorkerPort + 1}/");
        var (dll, contentRoot) = Published && File.Exists(Path.Combine(publishDirectory!, "plain-worker", "PromptQueue.PlainWorker.dll"))
            ? (Path.Combine(publishDirectory!, "plain-worker", "PromptQueue.PlainWorker.dll"), Path.Combine(publishDirectory!, "plain-worker"))
            : (Dll("bench/PromptQueue.PlainWorker", "PromptQueue.PlainWorker"), Path.Combine(root, "bench/PromptQueue.PlainWorker"));
        return ManagedProcess.StartAsync("plain-worker", dll, contentRoot,
            url, new Uri(url, "health/ready"), new Dictionary<string, string>
            {
                ["PlainWorker__RabbitMqUri"] = broker.ToString(),
                ["PlainWorker__ProviderBaseUrl"] = new Uri(Simulator, "v1/").ToString(),
                ["PlainWorker__Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
            }, logDirectory);
    }

    /// <summary>Empties the default lane (a run that timed out leaves requests behind; the next run must not drain them).</summary>
    public async Task PurgeDefaultLaneAsync()
    {
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "promptqueue-bench-purge" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(WireSchema.RequestQueue("default"), durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-max-priority"] = WireSchema.MaxPriority });
        await channel.QueuePurgeAsync(WireSchema.RequestQueue("default"));
    }

    /// <summary>A producer run that publishes open loop at the rate under one tenant (W2 trials, the overhead workload).</summary>
    public PromptQueue.Producer.Sample.ProducerRun OpenLoopRun(string tenant, int count, double rate, TimeSpan timeout) =>
        new(new PromptQueue.Producer.Sample.ProducerSettings { RabbitMqUri = broker, Count = count, Rate = rate, Tenant = tenant, Quiet = true, Timeout = timeout }, TimeProvider.System);

    public async Task<long> ProviderCallsAsync()
    {
        using var http = new HttpClient { BaseAddress = Simulator };
        using var stats = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("sim/stats"));
        return stats.RootElement.GetProperty("requests").GetInt64();
    }

    public async Task ResetSimulatorAsync()
    {
        using var http = new HttpClient { BaseAddress = Simulator };
        (await http.PostAsync("sim/reset", null)).EnsureSuccessStatusCode();
    }

    private string Dll(string project, string assembly) => Path.Combine(root, project, "bin/Release/net10.0", assembly + ".dll");
}
