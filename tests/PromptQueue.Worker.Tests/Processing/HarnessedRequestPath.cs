using MassTransit;
using MassTransit.Testing;
using PromptQueue.Contracts;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Tests.Processing;

/// <summary>
/// <see cref="CompletionRequestConsumer"/> on MassTransit's in-memory test harness, in front of the real batcher,
/// dispatcher and processing parts (<see cref="PipelineServices"/>), on the queue name of the default lane. With
/// <c>cache</c> on, the cache and idempotency records live in process only (no Redis).
/// </summary>
internal sealed class HarnessedRequestPath : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private HarnessedRequestPath(ServiceProvider services, ITestHarness harness, RecordingPublisher results, StubProvider provider)
    {
        _services = services;
        Harness = harness;
        Results = results;
        Provider = provider;
    }

    public RecordingPublisher Results { get; }

    public StubProvider Provider { get; }

    public ITestHarness Harness { get; }

    public static async Task<HarnessedRequestPath> StartAsync(Action<MessagingOptions>? messaging = null, Action<TenantsOptions>? tenants = null, bool cache = false)
    {
        var results = new RecordingPublisher();
        var provider = new StubProvider();
        var services = new ServiceCollection()
            .AddRequestPath(results, provider, TimeProvider.System)
            .Configure<MessagingOptions>(o => messaging?.Invoke(o))
            .Configure<TenantsOptions>(o => tenants?.Invoke(o))
            .Configure<CacheOptions>(o => o.Enabled = cache)
            .AddMassTransitTestHarness(bus => bus.AddConsumer<CompletionRequestConsumer>().Endpoint(e =>
            {
                e.Name = WireSchema.RequestQueue("default");
                e.ConcurrentMessageLimit = 32;
                e.PrefetchCount = 32;
            }))
            .BuildServiceProvider(validateScopes: true);
        var harness = services.GetRequiredService<ITestHarness>();
        harness.TestTimeout = TimeSpan.FromSeconds(20);
        await harness.Start();
        return new HarnessedRequestPath(services, harness, results, provider);
    }

    public Task SendAsync(CompletionRequest request) =>
        Harness.Bus.Publish(request);

    /// <summary>Waits until <paramref name="condition"/> holds, or fails after the harness's timeout.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Harness.TestTimeout);
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"Timed out waiting until {what}.");
            await Task.Delay(10, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Provider.Hold?.TrySetResult();
        await _services.DisposeAsync();
    }
}
