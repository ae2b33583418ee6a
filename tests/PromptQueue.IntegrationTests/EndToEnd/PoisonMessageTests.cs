using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.EndToEnd;

/// <summary>A request that stalls every worker that takes it: counted across workers in Redis, then set aside.</summary>
public sealed class PoisonMessageTests(BrokerFixture broker) : RedisLaneTestBase(broker, "poison")
{
    [Fact]
    public async Task A_request_that_stalls_every_worker_is_answered_PoisonMessage_and_moved_to_the_error_queue_without_taking_neighbours_along()
    {
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane, concurrency: 8, batchSize: 8);
        settings["Messaging:ConsumerStopTimeout"] = "00:00:00.300";
        settings["Messaging:MaxDeliveries"] = "2";
        settings["Cache:Redis"] = Redis.Configuration;
        var poison = WorkerHost.Request(Tenant, "Analyse this. [sim:stall=60000]");
        var neighbours = Enumerable.Range(0, 3).Select(i => WorkerHost.Request(Tenant, $"Neighbour question {i}?")).ToList();

        // Delivery 1: the neighbours of its window are answered; the poison stalls until the worker stops.
        await using (await StartWorkerAsync(settings))
        {
            await BrokerClient.PublishAsync(Broker.Connection, Lane, [poison, .. neighbours]);
            await listener.WaitForAsync(3, TimeSpan.FromSeconds(30));
            await Task.Delay(300);
        }

        // Delivery 2 (redelivered, processed on its own): stalls again.
        await using (await StartWorkerAsync(settings))
        {
            for (var i = 0; i < 100 && (await Simulator.StatsAsync()).Requests < 5; i++)
            {
                await Task.Delay(50);
            }
        }

        // Delivery 3 > MaxDeliveries: set aside with a failed event.
        await using var third = await StartWorkerAsync(settings);
        var events = await listener.WaitForAsync(4, TimeSpan.FromSeconds(30));

        Assert.All(neighbours, n => Assert.Equal("succeeded", events.Single(e => e.RequestId == n.RequestId).Outcome));
        var failed = Assert.Single(events, e => e.RequestId == poison.RequestId);
        Assert.Equal("PoisonMessage", failed.Json.GetProperty("errorCode").GetString());
        Assert.False(failed.Json.GetProperty("retryable").GetBoolean());
        Assert.Equal(5, (await Simulator.StatsAsync()).Requests); // 3 neighbours + 2 stalled deliveries, none on the third
        for (var i = 0; i < 50 && await Broker.CountReadyAsync(ErrorQueue) == 0; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(1u, await Broker.CountReadyAsync(ErrorQueue));
        await Task.Delay(500);
        Assert.Equal(4, listener.Events.Count); // one event per request, nothing more
    }
}
