using MassTransit;
using MassTransit.Testing;
using PromptQueue.Contracts;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Tenancy;
using PromptQueue.Worker.Tests.Processing;

namespace PromptQueue.Worker.Tests.Messaging;

public sealed class CompletionRequestConsumerTests
{
    private static CompletionRequest Ask(string requestId, string tenant = "acme", string text = "What is the capital of France?") =>
        TestRequests.Valid(text) with { RequestId = requestId, TenantId = tenant };

    [Fact]
    public async Task Delivery_is_consumed_only_after_its_own_result_is_published()
    {
        await using var path = await HarnessedRequestPath.StartAsync();
        path.Provider.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await path.SendAsync(Ask("held-1"));
        await path.WaitUntilAsync(() => path.Provider.Calls == 1, "the provider is called");
        var consumer = path.Harness.GetConsumerHarness<CompletionRequestConsumer>();
        Assert.Empty(consumer.Consumed.Select<CompletionRequest>().ToList());
        Assert.Empty(path.Results.Published);

        path.Provider.Hold.SetResult();

        Assert.True(await consumer.Consumed.Any<CompletionRequest>(m => m.Context.Message.RequestId == "held-1"));
        var succeeded = Assert.IsType<CompletionSucceeded>(Assert.Single(path.Results.Published).Event);
        Assert.Equal(ResultSource.Provider, succeeded.Source);
        Assert.Equal("default", succeeded.Lane);
        Assert.False(await path.Harness.Published.Any<Fault<CompletionRequest>>());
    }

    [Fact]
    public async Task Request_without_a_tenant_or_a_reply_queue_faults_as_unroutable_and_publishes_no_result()
    {
        await using var path = await HarnessedRequestPath.StartAsync();

        await path.SendAsync(Ask("lost-1", tenant: ""));

        var fault = await path.Harness.Published.SelectAsync<Fault<CompletionRequest>>().First();
        Assert.Equal(typeof(UnroutableRequestException).FullName, Assert.Single(fault.Context.Message.Exceptions).ExceptionType);
        Assert.Empty(path.Results.Published);
        Assert.Equal(0, path.Provider.Calls);
    }

    [Fact]
    public async Task Tenant_priority_is_clamped_to_its_ceiling()
    {
        await using var path = await HarnessedRequestPath.StartAsync(tenants: t => t.ByTenant["bulk"] = new TenantOptions { MaxPriority = 2 });

        await path.SendAsync(Ask("bulk-1", tenant: "bulk") with { Priority = 9 });

        await path.WaitUntilAsync(() => path.Results.Published.Count == 1, "the result is published");
        Assert.Equal(2, Assert.IsType<CompletionSucceeded>(path.Results.Published[0].Event).Priority);
    }

    [Fact]
    public async Task Tenant_over_its_share_of_a_busy_lane_is_moved_to_the_overflow_queue()
    {
        // Lane concurrency 4 and MaxLaneShare 0.5: a tenant holds at most 2 slots while another tenant is active.
        await using var path = await HarnessedRequestPath.StartAsync(
            messaging: m => m.Lanes["default"] = new LaneOptions { ConcurrencyLimit = 4, BatchMaxSize = 4 },
            tenants: t => t.MaxLaneShare = 0.5);
        path.Provider.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await path.SendAsync(Ask("small-1", tenant: "small", text: "Opening hours?"));
        await path.WaitUntilAsync(() => path.Provider.Calls == 1, "the small tenant's call is in flight");
        await path.SendAsync(Ask("big-1", tenant: "big", text: "Capital of France?"));
        await path.SendAsync(Ask("big-2", tenant: "big", text: "Capital of Spain?"));
        await path.WaitUntilAsync(() => path.Provider.Calls == 3, "the big tenant holds its share");
        await path.SendAsync(Ask("big-3", tenant: "big", text: "Capital of Italy?"));

        await path.WaitUntilAsync(() => path.Results.Forwarded.Count == 1, "the request over the share is moved");
        Assert.Equal(WireSchema.OverflowQueue("default"), path.Results.Forwarded[0]);
        path.Provider.Hold.SetResult();
        await path.WaitUntilAsync(() => path.Results.Published.Count == 3, "the three admitted requests are answered");
        Assert.Equal(3, path.Provider.Calls);
    }
}
