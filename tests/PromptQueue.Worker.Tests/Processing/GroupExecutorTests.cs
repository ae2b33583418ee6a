using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;

namespace PromptQueue.Worker.Tests.Processing;

/// <summary>One request through its checks and its group's provider call, with a fake clock and a stub provider.</summary>
public sealed class GroupExecutorTests : IAsyncDisposable
{
    private readonly PipelineUnderTest _path = new();

    public ValueTask DisposeAsync() => _path.DisposeAsync();

    private Task ProcessAsync(PendingRequest pending) => _path.ProcessAsync(pending);

    [Fact]
    public async Task Answer_is_published_with_usage_and_timings_and_the_delivery_released()
    {
        var pending = Pending(TestRequests.Valid());

        await ProcessAsync(pending);

        var succeeded = Assert.IsType<CompletionSucceeded>(Assert.Single(_path.Publisher.Published).Event);
        Assert.Equal("Paris", succeeded.Content);
        Assert.Equal(ResultSource.Provider, succeeded.Source);
        Assert.Equal(15, succeeded.Usage.TotalTokens);
        Assert.Equal("sim", succeeded.Provider);
        Assert.Equal(_path.Time.GetUtcNow(), succeeded.Timings.CompletedAt);
        Assert.True(pending.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Invalid_request_is_answered_InvalidRequest_without_a_provider_call()
    {
        await ProcessAsync(Pending(TestRequests.Valid() with { Model = "nope" }));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_path.Publisher.Published).Event);
        Assert.Equal(FailureCode.InvalidRequest, failed.ErrorCode);
        Assert.False(failed.Retryable);
        Assert.Equal(0, _path.Provider.Calls);
    }

    [Fact]
    public async Task Request_past_its_deadline_is_answered_Expired_without_a_provider_call()
    {
        await ProcessAsync(Pending(TestRequests.Valid() with { Deadline = _path.Time.GetUtcNow().AddMilliseconds(-1) }));

        Assert.Equal(FailureCode.Expired, Assert.IsType<CompletionFailed>(Assert.Single(_path.Publisher.Published).Event).ErrorCode);
        Assert.Equal(0, _path.Provider.Calls);
    }

    [Fact]
    public async Task Prompt_over_the_context_window_is_answered_ContextTooLong_without_a_provider_call()
    {
        var longPrompt = string.Join(' ', Enumerable.Repeat("tokens", 8000));

        await ProcessAsync(Pending(TestRequests.Valid(longPrompt)));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_path.Publisher.Published).Event);
        Assert.Equal(FailureCode.ContextTooLong, failed.ErrorCode);
        Assert.Contains("8000", failed.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, _path.Provider.Calls);
    }

    [Fact]
    public async Task Unexpected_failure_still_ends_in_one_Internal_failed_event()
    {
        _path.Provider.Throw = new InvalidOperationException("defect");

        await ProcessAsync(Pending(TestRequests.Valid()));

        var failed = Assert.IsType<CompletionFailed>(Assert.Single(_path.Publisher.Published).Event);
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

        Assert.Empty(_path.Publisher.Published);
        Assert.True(pending.Completion.IsCanceled);
    }

    private PendingRequest Pending(CompletionRequest request, CancellationToken cancellation = default) =>
        new(request, "default", request.Priority, _path.Time.GetUtcNow(), cancellation);
}
