using PromptQueue.Contracts;
using PromptQueue.Worker.Messaging;

namespace PromptQueue.Worker.Tests.Processing;

/// <summary>Micro-batches through the consumer on MassTransit's test harness: each request ends on its own.</summary>
public sealed class BatchDispatcherTests
{
    private static CompletionRequest Ask(string requestId, string text = "What is the capital of France?") =>
        TestRequests.Valid(text) with { RequestId = requestId };

    // A wide window, so requests published one after another close in one batch.
    private static void OneWideWindow(MessagingOptions options) =>
        options.Lanes["default"] = new LaneOptions { BatchWindow = TimeSpan.FromMilliseconds(500), BatchMaxSize = 3 };

    [Fact]
    public async Task Invalid_request_fails_alone_and_its_neighbours_are_answered()
    {
        await using var path = await HarnessedRequestPath.StartAsync(OneWideWindow);

        await path.SendAsync(Ask("ok-1", "Capital of France?"));
        await path.SendAsync(Ask("bad-1") with { Model = "nope" });
        await path.SendAsync(Ask("ok-2", "Capital of Spain?"));

        await path.WaitUntilAsync(() => path.Results.Published.Count == 3, "three results are published");
        var byId = path.Results.Published.ToDictionary(r => r.Event switch
        {
            CompletionSucceeded s => s.RequestId,
            CompletionFailed f => f.RequestId,
            _ => "",
        });
        Assert.Equal(FailureCode.InvalidRequest, Assert.IsType<CompletionFailed>(byId["bad-1"].Event).ErrorCode);
        Assert.Equal(ResultSource.Provider, Assert.IsType<CompletionSucceeded>(byId["ok-1"].Event).Source);
        Assert.Equal(ResultSource.Provider, Assert.IsType<CompletionSucceeded>(byId["ok-2"].Event).Source);
        Assert.Equal(2, path.Provider.Calls);
    }

    [Fact]
    public async Task Identical_prompts_in_one_batch_make_one_provider_call()
    {
        await using var path = await HarnessedRequestPath.StartAsync(OneWideWindow);

        await path.SendAsync(Ask("same-1"));
        await path.SendAsync(Ask("same-2"));
        await path.SendAsync(Ask("same-3"));

        await path.WaitUntilAsync(() => path.Results.Published.Count == 3, "three results are published");
        var sources = path.Results.Published.Select(r => Assert.IsType<CompletionSucceeded>(r.Event).Source).Order().ToList();
        Assert.Equal([ResultSource.Provider, ResultSource.Coalesced, ResultSource.Coalesced], sources);
        Assert.Equal(1, path.Provider.Calls);
    }

    [Fact]
    public async Task Request_answered_before_gets_its_stored_result_again_without_a_provider_call()
    {
        await using var path = await HarnessedRequestPath.StartAsync(cache: true);

        await path.SendAsync(Ask("again-1"));
        await path.WaitUntilAsync(() => path.Results.Published.Count == 1, "the first result is published");
        await path.SendAsync(Ask("again-1"));
        await path.WaitUntilAsync(() => path.Results.Published.Count == 2, "the second result is published");

        Assert.Equal(1, path.Provider.Calls);
        var (first, second) = (Assert.IsType<CompletionSucceeded>(path.Results.Published[0].Event), Assert.IsType<CompletionSucceeded>(path.Results.Published[1].Event));
        // The stored event itself (a cache hit would say ExactCache and have new timings).
        Assert.Equal((first.Content, first.Source, first.Timings), (second.Content, second.Source, second.Timings));
    }
}
