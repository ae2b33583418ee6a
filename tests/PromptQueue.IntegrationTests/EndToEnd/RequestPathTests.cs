using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.EndToEnd;

public sealed class RequestPathTests(BrokerFixture broker) : LaneTestBase(broker, "e2e")
{
    [Fact]
    public async Task Five_hundred_requests_with_mixed_priorities_get_exactly_five_hundred_terminal_events_over_pooled_connections()
    {
        await using var listener = await ListenAsync();
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane, concurrency: 32, batchSize: 16));
        var requests = Enumerable.Range(0, 500).Select(i => WorkerHost.Request(Tenant, $"Question {i} about invoices?", priority: i % 10)).ToList();
        var before = await Simulator.StatsAsync(); // the test's own stats connection is opened here, not counted below

        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
        var events = await listener.WaitForAsync(500, TimeSpan.FromSeconds(90));
        await Task.Delay(500); // any duplicate would arrive right behind
        events = [.. listener.Events];

        Assert.Equal(500, events.Count);
        Assert.Equal(requests.Select(r => r.RequestId).Order(), events.Select(e => e.RequestId).Order());
        Assert.All(events, e => Assert.Equal("succeeded", e.Outcome));
        Assert.All(events, e => Assert.Equal($"{Tenant}.succeeded", e.RoutingKey));
        var stats = await Simulator.StatsAsync();
        Assert.Equal(500, stats.Requests);
        Assert.InRange(stats.ConnectionsAccepted - before.ConnectionsAccepted, 1, 8); // MaxConnectionsPerServer: connections reused
    }

    [Fact]
    public async Task Backlog_published_before_the_worker_starts_is_consumed_high_priority_first()
    {
        await BrokerClient.DeclareLaneAsync(Broker.Connection, Lane);
        await using var listener = await ListenAsync();
        // Bulk first, urgent last: the broker must still hand out urgent work first.
        var requests = Enumerable.Range(0, 60).Select(i => WorkerHost.Request(Tenant, $"Backlog item {i}", priority: i < 20 ? 0 : i < 40 ? 5 : 9)).ToList();
        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);

        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane, concurrency: 2, batchSize: 2));
        var events = await listener.WaitForAsync(60, TimeSpan.FromSeconds(60));

        Assert.Equal(60, events.Count);
        var order = events.Select(e => e.Priority).ToList();
        // Prefetch equals concurrency (2): at most that many deliveries can be ahead of the priority order.
        Assert.All(order.Take(18), p => Assert.Equal(9, p));
        Assert.All(order.Skip(42), p => Assert.Equal(0, p));
    }

    [Fact]
    public async Task Request_past_its_deadline_fails_Expired_without_a_provider_call()
    {
        await using var listener = await ListenAsync();
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane));
        var expired = WorkerHost.Request(Tenant, "too late") with { Deadline = DateTimeOffset.UtcNow.AddSeconds(-1) };

        await BrokerClient.PublishAsync(Broker.Connection, Lane, [expired]);
        var events = await listener.WaitForAsync(1, TimeSpan.FromSeconds(30));

        var failed = Assert.Single(events);
        Assert.Equal("Expired", failed.ErrorCode);
        Assert.False(failed.Json.GetProperty("retryable").GetBoolean());
        Assert.Equal(0, (await Simulator.StatsAsync()).Requests);
    }

    [Fact]
    public async Task Result_goes_to_the_named_reply_queue_and_a_missing_reply_queue_falls_back_to_theTenant_topic()
    {
        await using var replies = await ResultListener.StartAsync(Broker.Connection, tenantBinding: null);
        await using var topic = await ListenAsync();
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane));
        var toReplyQueue = WorkerHost.Request(Tenant, "reply here") with { ReplyTo = replies.Queue };
        var toMissingQueue = WorkerHost.Request(Tenant, "reply nowhere") with { ReplyTo = "no-such-queue-" + Guid.NewGuid().ToString("N") };

        await BrokerClient.PublishAsync(Broker.Connection, Lane, [toReplyQueue, toMissingQueue]);
        var replied = await replies.WaitForAsync(1, TimeSpan.FromSeconds(30));
        var fellBack = await topic.WaitForAsync(1, TimeSpan.FromSeconds(30));

        Assert.Equal(toReplyQueue.RequestId, Assert.Single(replied).RequestId);
        Assert.Equal(toMissingQueue.RequestId, Assert.Single(fellBack).RequestId);
    }

    [Fact]
    public async Task Tenant_priority_ceiling_clamps_what_a_producer_asks_for()
    {
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane);
        settings[$"Tenants:ByTenant:{Tenant}:MaxPriority"] = "3";
        await using var worker = await StartWorkerAsync(settings);

        await BrokerClient.PublishAsync(Broker.Connection, Lane, [WorkerHost.Request(Tenant, "urgent please", priority: 9)]);
        var events = await listener.WaitForAsync(1, TimeSpan.FromSeconds(30));

        Assert.Equal(3, Assert.Single(events).Priority);
    }
}
