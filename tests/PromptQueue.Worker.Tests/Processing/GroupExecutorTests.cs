using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Processing;

namespace PromptQueue.Worker.Tests.Processing;

/// <summary>One request through its checks and its group's provider call, with a fake clock and a stub provider.</summary>
public sealed class GroupExecutorTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-29T12:00:00Z", CultureInfo.InvariantCulture));
    private readonly RecordingPublisher _publisher = new();
    private readonly StubProvider _provider = new();
    private readonly ServiceProvider _services;

    public GroupExecutorTests() => _services = new ServiceCollection().AddRequestPath(_publisher, _provider, _time).BuildServiceProvider();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    /// <summary>What the dispatcher does for a request alone: its checks, then a group of one.</summary>
    private async Task ProcessAsync(PendingRequest pending)
    {
        if (_services.GetRequiredService<RequestPrechecks>().Check(pending) is { } failure)
        {
            await _services.GetRequiredService<RequestCompleter>().CompleteAsync(pending, failure);
            return;
        }

        await _services.GetRequiredService<GroupExecutor>().ExecuteAsync(RequestGroup.Single(pending));
    }

    [Fact]
    public async Task Answer_is_published_with_usage_and_timings_and_the_delivery_released()
    {
        var pending = Pending(TestRequests.Valid());

        await ProcessAsync(pending);

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
        await ProcessAsync(Pending(TestRequests.Valid() with { Model = "nope" }));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_publisher.Published).Event);
        Assert.Equal(FailureCode.InvalidRequest, failed.ErrorCode);
        Assert.False(failed.Retryable);
        Assert.Equal(0, _provider.Calls);
    }

    [Fact]
    public async Task Request_past_its_deadline_is_answered_Expired_without_a_provider_call()
    {
        await ProcessAsync(Pending(TestRequests.Valid() with { Deadline = _time.GetUtcNow().AddMilliseconds(-1) }));

        Assert.Equal(FailureCode.Expired, Assert.IsType<CompletionFailed>(Assert.Single(_publisher.Published).Event).ErrorCode);
        Assert.Equal(0, _provider.Calls);
    }

    [Fact]
    public async Task Prompt_over_the_context_window_is_answered_ContextTooLong_without_a_provider_call()
    {
        var longPrompt = string.Join(' ', Enumerable.Repeat("tokens", 8000));

        await ProcessAsync(Pending(TestRequests.Valid(longPrompt)));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_publisher.Published).Event);
        Assert.Equal(FailureCode.ContextTooLong, failed.ErrorCode);
        Assert.Contains("8000", failed.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, _provider.Calls);
    }

    [Fact]
    public async Task Unexpected_failure_still_ends_in_one_Internal_failed_event()
    {
        _provider.Throw = new InvalidOperationException("defect");

        await ProcessAsync(Pending(TestRequests.Valid()));

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

        await ProcessAsync(pending);

        Assert.Empty(_publisher.Published);
        Assert.True(pending.Completion.IsCanceled);
    }

    private PendingRequest Pending(CompletionRequest request, CancellationToken cancellation = default) =>
        new(request, "default", request.Priority, _time.GetUtcNow(), cancellation);
}
