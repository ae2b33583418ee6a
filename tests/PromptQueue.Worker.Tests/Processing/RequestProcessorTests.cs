using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Tests.Caching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Tokens;
using PromptQueue.Worker.Validation;

using PromptQueue.Worker.Providers.Limits;

namespace PromptQueue.Worker.Tests.Processing;

public sealed class RequestProcessorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly RecordingPublisher _publisher = new();
    private readonly StubProvider _provider = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RequestProcessor _processor;
    private readonly TestCache _cache;

    public RequestProcessorTests()
    {
        var options = new StaticOptionsMonitor<ProvidersOptions>(TestRequests.Providers());
        var metrics = new WorkerMetrics(_services.GetRequiredService<IMeterFactory>());
        var router = new ProviderRouter(options, _provider, new EndpointLimiters(options, _time, metrics), new TokenCounter(options), NullLogger<ProviderRouter>.Instance);
        _cache = TestCache.Disabled(metrics, _time);
        _processor = new RequestProcessor(new CompletionRequestValidator(options), new TokenCounter(options), router, _publisher,
            _cache.Cache, _cache.Flights, _cache.Idempotency, ShutdownSignal.Never, metrics, _time, options, Options.Create(_cache.Options), NullLogger<RequestProcessor>.Instance);
    }

    public void Dispose()
    {
        _cache.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
    }

    [Fact]
    public async Task Answer_is_published_with_usage_and_timings_and_the_delivery_released()
    {
        var pending = Pending(TestRequests.Valid());

        await _processor.ProcessAsync(pending);

        var succeeded = Assert.IsType<CompletionSucceeded>(Assert.Single(_publisher.Published).Event);
        Assert.Equal("Paris", succeeded.Content);
        Assert.Equal(ResultSource.Provider, succeeded.Source);
        Assert.Equal(15, succeeded.Usage.TotalTokens);
        Assert.Equal("sim", succeeded.Provider);
        Assert.Equal(_time.GetUtcNow(), succeeded.Timings.CompletedAt);
        Assert.True(pending.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Invalid_request_is_answered_InvalidRequest_without_a_provider_call()
    {
        await _processor.ProcessAsync(Pending(TestRequests.Valid() with { Model = "nope" }));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_publisher.Published).Event);
        Assert.Equal(FailureCode.InvalidRequest, failed.ErrorCode);
        Assert.False(failed.Retryable);
        Assert.Equal(0, _provider.Calls);
    }

    [Fact]
    public async Task Request_past_its_deadline_is_answered_Expired_without_a_provider_call()
    {
        await _processor.ProcessAsync(Pending(TestRequests.Valid() with { Deadline = _time.GetUtcNow().AddMilliseconds(-1) }));

        Assert.Equal(FailureCode.Expired, Assert.IsType<CompletionFailed>(Assert.Single(_publisher.Published).Event).ErrorCode);
        Assert.Equal(0, _provider.Calls);
    }

    [Fact]
    public async Task Prompt_over_the_context_window_is_answered_ContextTooLong_without_a_provider_call()
    {
        var longPrompt = string.Join(' ', Enumerable.Repeat("tokens", 8000));

        await _processor.ProcessAsync(Pending(TestRequests.Valid(longPrompt)));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_publisher.Published).Event);
        Assert.Equal(FailureCode.ContextTooLong, failed.ErrorCode);
        Assert.Contains("8000", failed.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, _provider.Calls);
    }

    [Fact]
    public async Task Unexpected_failure_still_ends_in_one_Internal_failed_event()
    {
        _provider.Throw = new InvalidOperationException("defect");

        await _processor.ProcessAsync(Pending(TestRequests.Valid()));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_publisher.Published).Event);
        Assert.Equal(FailureCode.Internal, failed.ErrorCode);
        Assert.DoesNotContain("defect", failed.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Abandoned_delivery_is_cancelled_and_publishes_nothing()
    {
        using var delivery = new CancellationTokenSource();
        await delivery.CancelAsync();
        var pending = Pending(TestRequests.Valid(), delivery.Token);

        await _processor.ProcessAsync(pending);

        Assert.Empty(_publisher.Published);
        Assert.True(pending.Completion.IsCanceled);
    }

    private PendingRequest Pending(CompletionRequest request, CancellationToken cancellation = default) =>
        new(request, "default", request.Priority, _time.GetUtcNow(), cancellation);

    private sealed class RecordingPublisher : IResultPublisher
    {
        public List<ResultEnvelope> Published { get; } = [];

        public Task PublishAsync(CompletionRequest request, ResultEnvelope result, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Published.Add(result);
            return Task.CompletedTask;
        }
    }

    private sealed class StubProvider : HttpMessageHandler, IHttpClientFactory
    {
        public int Calls { get; private set; }

        public Exception? Throw { get; set; }

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false) { BaseAddress = new Uri("http://127.0.0.1/v1/") };

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Calls++;
            if (Throw is { } exception)
            {
                throw exception;
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"choices":[{"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"""),
            });
        }
    }
}
