using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptQueue.Contracts;
using PromptQueue.Worker;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>A PromptQueue worker composed exactly as Program.cs does, in process, with the configuration a test gives it.</summary>
public sealed class WorkerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private WorkerHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    /// <summary>Where the worker's HTTP endpoints (/metrics, /health, /admin) listen.</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>()
        .Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

    public static async Task<WorkerHost> StartAsync(Uri broker, Uri providerApi, IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = TestPaths.EmptyContentRoot(), EnvironmentName = "IntegrationTests" });
        builder.Configuration.AddInMemoryCollection(Defaults(broker, providerApi));
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("PromptQueue.Worker.Processing", LogLevel.Error);
        builder.Logging.AddFilter("PromptQueue.Worker.Providers.ProviderRouter", LogLevel.Error);
        // Malformed-input tests make MassTransit log every message it moves to the error queue; the tests assert on the queue.
        builder.Logging.AddFilter("MassTransit", LogLevel.Critical);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddPromptQueueWorker();
        var app = builder.Build();
        app.MapPromptQueueWorker();
        await app.StartAsync();
        return new WorkerHost(app);
    }

    public static Dictionary<string, string?> Lane(string lane, int concurrency = 16, int batchSize = 8, int windowMs = 10) => new()
    {
        [$"Messaging:Lanes:{lane}:ConcurrencyLimit"] = concurrency.ToString(CultureInfo.InvariantCulture),
        [$"Messaging:Lanes:{lane}:BatchMaxSize"] = batchSize.ToString(CultureInfo.InvariantCulture),
        [$"Messaging:Lanes:{lane}:BatchWindow"] = TimeSpan.FromMilliseconds(windowMs).ToString(),
    };

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private static Dictionary<string, string?> Defaults(Uri broker, Uri providerApi) => new()
    {
        ["Messaging:RabbitMqUri"] = broker.ToString(),
        ["Messaging:ConsumerStopTimeout"] = "00:00:05",
        ["Providers:Endpoints:sim:BaseUrl"] = providerApi.ToString(),
        ["Providers:Endpoints:sim:MaxConnectionsPerServer"] = "8",
        ["Providers:Models:sim-small:Endpoints:0"] = "sim",
        ["Providers:Models:sim-small:MaxOutputTokens"] = "1024",
        ["Providers:Models:sim-small:ContextWindow"] = "16384",
        ["Providers:Resilience:AttemptTimeout"] = "00:00:30",
        ["Providers:Resilience:TotalTimeout"] = "00:01:00",
        ["Providers:Resilience:MaxRetries"] = "2",
        ["Providers:Resilience:RetryBaseDelay"] = "00:00:00.050",
        ["Providers:Resilience:CircuitSamplingDuration"] = "00:01:00",
        ["Providers:Resilience:CircuitMinimumThroughput"] = "10000",
    };

    public static CompletionRequest Request(string tenant, string text, int priority = 0, string model = "sim-small") => new()
    {
        RequestId = Guid.NewGuid().ToString("N"),
        TenantId = tenant,
        Model = model,
        Messages = [new ChatMessage { Role = "user", Content = text }],
        MaxTokens = 32,
        Priority = priority,
        CreatedAt = DateTimeOffset.UtcNow,
    };
}
