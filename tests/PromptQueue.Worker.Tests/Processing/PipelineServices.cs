using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Providers.Limits;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Redis;
using PromptQueue.Worker.Tenancy;
using PromptQueue.Worker.Tokens;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Tests.Processing;

/// <summary>
/// The request path from the consumer to the result publisher, wired by the container as the worker wires it, with
/// what leaves the process replaced: results and overflow moves are recorded, the provider's HTTP is a stub, and
/// there is no Redis (the cache is off unless a test turns it on).
/// </summary>
internal static class PipelineServices
{
    public static IServiceCollection AddRequestPath(this IServiceCollection services, RecordingPublisher publisher, StubProvider provider, TimeProvider time)
    {
        services.AddLogging().AddMetrics();
        services.AddSingleton(time);
        services.AddSingleton<IOptionsMonitor<ProvidersOptions>>(new StaticOptionsMonitor<ProvidersOptions>(TestRequests.Providers()));
        services.AddOptions<CacheOptions>().Configure(o => o.Enabled = false);
        services.AddOptions<MessagingOptions>();
        services.AddOptions<TenantsOptions>();
        services.AddOptions<ReuseOptions>();
        services.AddOptions<MatchOptions>();
        services.AddOptions<EmbeddingOptions>();

        services.AddSingleton<WorkerMetrics>();
        services.AddSingleton<CompletionRequestValidator>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton(ShutdownSignal.Never);
        services.AddSingleton<IHttpClientFactory>(provider);
        services.AddSingleton<EndpointLimiters>();
        services.AddSingleton<ProviderRouter>();
        services.AddSingleton<IResultPublisher>(publisher);
        services.AddSingleton<IOverflowForwarder>(publisher);

        services.AddSingleton<RedisConnection>();
        services.AddSingleton<LocalAnswerCache>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton<SingleFlight>();
        services.AddSingleton<IdempotencyStore>();
        services.AddModelsAndMatcher();
        services.AddSingleton<ITextEmbedder>(sp => sp.GetRequiredService<MiniLmEmbedder>());
        services.AddSingleton<ReuseClassifier>();
        services.AddSingleton<BatchEmbedding>();
        services.AddSingleton<CoalescingPlanner>();
        services.AddSingleton<TenantPolicy>();
        services.AddSingleton<TenantQuotas>();
        services.AddSingleton<LaneFairShare>();

        services.AddSingleton<ResultEventFactory>();
        services.AddSingleton<RequestCompleter>();
        services.AddSingleton<RequestPrechecks>();
        services.AddSingleton<ProviderCaller>();
        services.AddSingleton<GroupExecutor>();
        services.AddSingleton<BatchScreening>();
        services.AddSingleton<IBatchHandler, BatchDispatcher>();
        services.AddSingleton<RequestBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<RequestBatcher>());
        services.AddSingleton<DeliveryCounter>();
        services.AddSingleton<RedeliveryGuard>();
        services.AddSingleton<FairShareAdmission>();
        return services;
    }

    /// <summary>What the dispatcher does for a request alone: its checks, then a group of one.</summary>
    public static async Task ProcessAloneAsync(this IServiceProvider services, PendingRequest pending)
    {
        if (services.GetRequiredService<RequestPrechecks>().Check(pending) is { } failure)
        {
            await services.GetRequiredService<RequestCompleter>().CompleteAsync(pending, failure);
            return;
        }

        await services.GetRequiredService<GroupExecutor>().ExecuteAsync(RequestGroup.Single(pending));
    }
}

/// <summary>The request path on a fake clock, for tests that drive its parts directly.</summary>
internal sealed class PipelineUnderTest : IAsyncDisposable
{
    public PipelineUnderTest() => Services = new ServiceCollection().AddRequestPath(Publisher, Provider, Time).BuildServiceProvider();

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-29T12:00:00Z", CultureInfo.InvariantCulture));

    public RecordingPublisher Publisher { get; } = new();

    public StubProvider Provider { get; } = new();

    public ServiceProvider Services { get; }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>What the dispatcher does for a request alone: its checks, then a group of one.</summary>
    public Task ProcessAsync(PendingRequest pending) => Services.ProcessAloneAsync(pending);

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

/// <summary>Records what the worker would publish: result events, and requests moved to an overflow queue.</summary>
internal sealed class RecordingPublisher : IResultPublisher, IOverflowForwarder
{
    private readonly Lock _gate = new();
    private readonly List<ResultEnvelope> _published = [];
    private readonly List<string> _forwarded = [];

    public IReadOnlyList<ResultEnvelope> Published
    {
        get
        {
            lock (_gate)
            {
                return [.. _published];
            }
        }
    }

    /// <summary>The queues requests were moved to, in order.</summary>
    public IReadOnlyList<string> Forwarded
    {
        get
        {
            lock (_gate)
            {
                return [.. _forwarded];
            }
        }
    }

    public Task PublishAsync(CompletionRequest request, ResultEnvelope result, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _published.Add(result);
        }

        return Task.CompletedTask;
    }

    public Task ForwardAsync(string queue, ReadOnlyMemory<byte> body, byte priority, string messageId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _forwarded.Add(queue);
        }

        return Task.CompletedTask;
    }
}

/// <summary>An OpenAI-compatible provider answering "Paris" at once (or another status, or throwing, or holding calls until released).</summary>
internal sealed class StubProvider : HttpMessageHandler, IHttpClientFactory
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Exception? Throw { get; set; }

    /// <summary>The status every call gets; anything but 200 comes with an OpenAI-style error body.</summary>
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    /// <summary>When set, every call waits for it before answering.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public HttpClient CreateClient(string name) => new(this, disposeHandler: false) { BaseAddress = new Uri("http://127.0.0.1/v1/") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _calls);
        if (Throw is { } exception)
        {
            throw exception;
        }

        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        if (Status != HttpStatusCode.OK)
        {
            return new HttpResponseMessage(Status) { Content = new StringContent("""{"error":{"message":"no"}}""") };
        }

        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("""{"choices":[{"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"""),
        };
    }
}
