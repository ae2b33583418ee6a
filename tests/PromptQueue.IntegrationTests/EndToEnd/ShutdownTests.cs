using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.EndToEnd;

public sealed class ShutdownTests(BrokerFixture broker) : LaneTestBase(broker, "stop")
{
    [Fact]
    public async Task Worker_stopped_mid_batch_loses_nothing_the_next_worker_answers_the_rest()
    {
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane, concurrency: 8, batchSize: 8);
        settings["Messaging:ConsumerStopTimeout"] = "00:00:00.500";
        // Each provider call takes 1.5 s, far longer than the worker is given to stop.
        var requests = Enumerable.Range(0, 40).Select(i => WorkerHost.Request(Tenant, $"slow {i} [sim:latency=1500]")).ToList();

        var first = await StartWorkerAsync(settings);
        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
        await Simulator.WaitForRequestsAsync(8, TimeSpan.FromSeconds(30)); // the first window is in flight at the provider
        await first.DisposeAsync();
        var answeredByFirst = listener.Events.Count;

        await using var second = await StartWorkerAsync(settings);
        await listener.WaitForAsync(40, TimeSpan.FromSeconds(60));

        var answered = listener.Events.Select(e => e.RequestId).ToHashSet();
        Assert.True(answeredByFirst < 40, "the first worker must have been stopped with work in flight");
        Assert.All(requests, r => Assert.Contains(r.RequestId, answered));
        Assert.All(listener.Events, e => Assert.Equal("succeeded", e.Outcome));
        Assert.Equal(0u, await Broker.CountReadyAsync(WireSchema.RequestQueue(Lane) + "_error"));
    }

    [Fact]
    public async Task Worker_stopped_with_calls_in_flight_finishes_them_within_the_stop_timeout_and_pays_each_once()
    {
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane, concurrency: 8, batchSize: 8);
        settings["Messaging:ConsumerStopTimeout"] = "00:00:10";
        settings["Cache:Enabled"] = "false"; // no Redis: an answer not published before the stop would be paid again
        var requests = Enumerable.Range(0, 24).Select(i => WorkerHost.Request(Tenant, $"in flight {i} [sim:latency=1500]")).ToList();

        var first = await StartWorkerAsync(settings);
        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
        await Simulator.WaitForRequestsAsync(8, TimeSpan.FromSeconds(30)); // eight calls are at the provider
        await first.DisposeAsync();
        var answeredByFirst = listener.Events.Count;

        await using var second = await StartWorkerAsync(settings);
        await listener.WaitForAsync(requests.Count, TimeSpan.FromSeconds(60));

        Assert.True(answeredByFirst >= 8, $"the calls in flight at SIGTERM were answered by the stopping worker ({answeredByFirst})");
        Assert.Equal(requests.Count, (int)(await Simulator.StatsAsync()).Requests); // no call paid twice
        Assert.Equal(requests.Count, listener.Events.Count);
    }
}
