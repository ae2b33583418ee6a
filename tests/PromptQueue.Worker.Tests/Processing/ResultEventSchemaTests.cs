using System.Net;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Publishing;
using PromptQueue.Worker.Tests.Contracts;

namespace PromptQueue.Worker.Tests.Processing;

/// <summary>
/// The events the request path itself builds (<see cref="ResultEventFactory"/> through its callers), for every
/// source and the failures it decides, checked against docs/schemas as the result publisher writes them (their own
/// type, <see cref="WireJson.Options"/>).
/// </summary>
public sealed class ResultEventSchemaTests : IAsyncDisposable
{
    private readonly PipelineUnderTest _path = new();

    private IReadOnlyList<ResultEnvelope> Published => _path.Publisher.Published;

    private RequestCompleter Completer => _path.Get<RequestCompleter>();

    private ResultEventFactory Events => _path.Get<ResultEventFactory>();

    public ValueTask DisposeAsync() => _path.DisposeAsync();

    private Task ProcessAsync(PendingRequest pending) => _path.ProcessAsync(pending);

    [Fact]
    public async Task Provider_answer_conforms()
    {
        await ProcessAsync(Pending(Described(TestRequests.Valid())));

        AssertEachConforms(ResultSource.Provider);
    }

    [Fact]
    public async Task Leader_and_coalesced_member_answers_conform()
    {
        var leader = Pending(Described(TestRequests.Valid()));
        var follower = Pending(TestRequests.Valid("What's the capital of France?") with { RequestId = "r-2" });

        await _path.Get<GroupExecutor>().ExecuteAsync(new RequestGroup(leader, [new GroupMember(leader, 1.0), new GroupMember(follower, 0.9731)]));

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
            StoredAt = _path.Time.GetUtcNow(),
            NotAfter = _path.Time.GetUtcNow().AddDays(1),
        };

        await Completer.CompleteAsync(pending, Events.FromCache(pending, new CacheHit(answer, source, 0.9612)));

        AssertEachConforms(source);
    }

    [Fact]
    public async Task Failures_decided_before_a_provider_call_conform()
    {
        CompletionRequest[] requests =
        [
            TestRequests.Valid() with { Model = "unknown" },
            TestRequests.Valid() with { Deadline = _path.Time.GetUtcNow().AddSeconds(-1) },
            TestRequests.Valid(string.Join(' ', Enumerable.Repeat("tokens", 8000))),
        ];
        foreach (var request in requests)
        {
            await ProcessAsync(Pending(request));
        }

        var pending = Pending(TestRequests.Valid());
        await Completer.CompleteAsync(pending, Events.Poison(pending, delivery: 4));
        await Completer.CompleteAsync(pending, Events.QuotaExceeded(pending, "Tenant 'acme' has used its quota."));

        Assert.Equal(
            [FailureCode.InvalidRequest, FailureCode.Expired, FailureCode.ContextTooLong, FailureCode.PoisonMessage, FailureCode.QuotaExceeded],
            Published.Select(p => p.Failed!.ErrorCode));
        AssertEachConforms();
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, FailureCode.RateLimited)]
    [InlineData(HttpStatusCode.BadRequest, FailureCode.ProviderRejected)]
    public async Task Provider_failure_conforms(HttpStatusCode status, FailureCode expected)
    {
        _path.Provider.Status = status;

        await ProcessAsync(Pending(Described(TestRequests.Valid())));

        Assert.Equal(expected, Assert.Single(Published).Failed!.ErrorCode);
        AssertEachConforms();
    }

    /// <summary>Every published event conforms to its outcome's schema; answers came from these sources, in order.</summary>
    private void AssertEachConforms(params ResultSource[] sources)
    {
        Assert.NotEmpty(Published);
        Assert.All(Published, result => WireSchemas.AssertConforms(WireSchemas.ForOutcome(result.Outcome), result.Event));
        Assert.Equal(sources, Published.Where(p => p.Succeeded is not null).Select(p => p.Succeeded!.Source));
    }

    /// <summary>The optional fields that end up in the event too: metadata, creation time (queue wait).</summary>
    private CompletionRequest Described(CompletionRequest request) =>
        request with { Metadata = new Dictionary<string, string> { ["ticket"] = "T-1" }, CreatedAt = _path.Time.GetUtcNow().AddSeconds(-2) };

    private PendingRequest Pending(CompletionRequest request) =>
        new(request, "default", request.Priority, _path.Time.GetUtcNow(), CancellationToken.None);
}
