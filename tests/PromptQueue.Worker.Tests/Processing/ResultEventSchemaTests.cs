using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Providers.Limits;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Tests.Caching;
using PromptQueue.Worker.Tests.Contracts;
using PromptQueue.Worker.Tokens;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Tests.Processing;

/// <summary>
/// The events <see cref="RequestProcessor"/> itself builds, for every source and the failures it decides, checked
/// against docs/schemas as the result publisher writes them (their own type, <see cref="WireJson.Options"/>).
/// </summary>
public sealed class ResultEventSchemaTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-29T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<ResultEnvelope> _published = [];
    private readonly TestCache _cache;
    private readonly RequestProcessor _processor;
    private HttpStatusCode _answer = HttpStatusCode.OK;

    public ResultEventSchemaTests()
    {
        var providers = new StaticOptionsMonitor<ProvidersOptions>(TestRequests.Providers());
        var metrics = new WorkerMetrics(_meters.GetRequiredService<IMeterFactory>());
        var http = new AnsweringHandler(() => _answer);
        var router = new ProviderRouter(providers, http, new EndpointLimiters(providers, _time, metrics), new TokenCounter(providers), NullLogger<ProviderRouter>.Instance);
        _cache = TestCache.Disabled(metrics, _time);
        _processor = new RequestProcessor(new CompletionRequestValidator(providers), new TokenCounter(providers), router, new ListPublisher(_published),
            _cache.Cache, _cache.Flights, _cache.Idempotency, ShutdownSignal.Never, metrics, _time, providers, Options.Create(_cache.Options), NullLogger<RequestProcessor>.Instance);
    }

    public void Dispose()
    {
        _cache.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _meters.Dispose();
    }

    [Fact]
    public async Task Provider_answer_conforms()
    {
        await _processor.ProcessAsync(Pending(Described(TestRequests.Valid())));

        AssertEachConforms(ResultSource.Provider);
    }

    [Fact]
    public async Task Leader_and_coalesced_member_answers_conform()
    {
        var leader = Pending(Described(TestRequests.Valid()));
        var follower = Pending(TestRequests.Valid("What's the capital of France?") with { RequestId = "r-2" });

        await _processor.ExecuteAsync(new RequestGroup(leader, [new GroupMember(leader, 1.0), new GroupMember(follower, 0.9731)]));

        AssertEachConforms(ResultSource.Provider, ResultSource.Coalesced);
    }

    [Theory]
    [InlineData(ResultSource.ExactCache)]
    [InlineData(ResultSource.SemanticCache)]
    public async Task Cache_hit_conforms(ResultSource source)
    {
        var pending = Pending(Described(TestRequests.Valid()));
        var answer = new CachedAnswer
        {
            RequestId = "r-0",
            Content = "Paris",
            FinishReason = "stop",
            Usage = new TokenUsage { PromptTokens = 12, CompletionTokens = 3, TotalTokens = 15 },
            Provider = "sim",
            StoredAt = _time.GetUtcNow(),
            NotAfter = _time.GetUtcNow().AddDays(1),
        };

        await _processor.CompleteAsync(pending, _processor.FromCache(pending, new CacheHit(answer, source, 0.9612)));

        AssertEachConforms(source);
    }

    [Fact]
    public async Task Failures_decided_before_a_provider_call_conform()
    {
        CompletionRequest[] requests =
        [
            TestRequests.Valid() with { Model = "unknown" },
            TestRequests.Valid() with { Deadline = _time.GetUtcNow().AddSeconds(-1) },
            TestRequests.Valid(string.Join(' ', Enumerable.Repeat("tokens", 8000))),
        ];
        foreach (var request in requests)
        {
            await _processor.ProcessAsync(Pending(request));
        }

        var pending = Pending(TestRequests.Valid());
        await _processor.CompleteAsync(pending, _processor.Poison(pending, delivery: 4));
        await _processor.CompleteAsync(pending, _processor.QuotaExceeded(pending, "Tenant 'acme' has used its quota."));

        Assert.Equal(
            [FailureCode.InvalidRequest, FailureCode.Expired, FailureCode.ContextTooLong, FailureCode.PoisonMessage, FailureCode.QuotaExceeded],
            _published.Select(p => p.Failed!.ErrorCode));
        AssertEachConforms();
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, FailureCode.RateLimited)]
    [InlineData(HttpStatusCode.BadRequest, FailureCode.ProviderRejected)]
    public async Task Provider_failure_conforms(HttpStatusCode status, FailureCode expected)
    {
        _answer = status;

        await _processor.ProcessAsync(Pending(Described(TestRequests.Valid())));

        Assert.Equal(expected, Assert.Single(_published).Failed!.ErrorCode);
        AssertEachConforms();
    }

    /// <summary>Every published event conforms to its outcome's schema; answers came from these sources, in order.</summary>
    private void AssertEachConforms(params ResultSource[] sources)
    {
        Assert.NotEmpty(_published);
        Assert.All(_published, result => WireSchemas.AssertConforms(WireSchemas.ForOutcome(result.Outcome), result.Event));
        Assert.Equal(sources, _published.Where(p => p.Succeeded is not null).Select(p => p.Succeeded!.Source));
    }

    /// <summary>The optional fields that end up in the event too: metadata, creation time (queue wait).</summary>
    private CompletionRequest Described(CompletionRequest request) =>
        request with { Metadata = new Dictionary<string, string> { ["ticket"] = "T-1" }, CreatedAt = _time.GetUtcNow().AddSeconds(-2) };

    private PendingRequest Pending(CompletionRequest request) =>
        new(request, "default", request.Priority, _time.GetUtcNow(), CancellationToken.None);

    private sealed class ListPublisher(List<ResultEnvelope> published) : IResultPublisher
    {
        public Task PublishAsync(CompletionRequest request, ResultEnvelope result, CancellationToken cancellationToken)
        {
            published.Add(result);
            return Task.CompletedTask;
        }
    }

    /// <summary>An OpenAI-compatible endpoint answering every call with the status asked for (200: "Paris").</summary>
    private sealed class AnsweringHandler(Func<HttpStatusCode> status) : HttpMessageHandler, IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(this, disposeHandler: false) { BaseAddress = new Uri("http://127.0.0.1/v1/") };

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(status() == HttpStatusCode.OK
                ? new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent("""{"choices":[{"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"""),
                }
                : new HttpResponseMessage(status()) { Content = new StringContent("""{"error":{"message":"no"}}""") });
    }
}
