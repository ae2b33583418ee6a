using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Providers;

/// <summary>Requests held for an open circuit when the worker stops go back to the lane's queue, not to its error queue.</summary>
public sealed class CircuitHoldTests(BrokerFixture broker) : LaneTestBase(broker, "circuit")
{
    [Fact]
    public async Task Requests_held_for_an_open_circuit_return_to_the_queue_when_the_worker_stops()
    {
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane);
        settings["Providers:Resilience:MaxRetries"] = "1";
        settings["Providers:Resilience:CircuitMinimumThroughput"] = "2";
        settings["Providers:Resilience:CircuitBreakDuration"] = "00:01:00";
        var worker = await StartWorkerAsync(settings);
        var requests = Enumerable.Range(0, 6).Select(i => WorkerHost.Request(Tenant, $"provider down {i} [sim:status=500]")).ToList();

        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the circuit opens after two failures; the rest are held
        await worker.DisposeAsync();

        var returned = await Broker.CountReadyAsync(LaneQueue);
        var errors = await Broker.CountReadyAsync(ErrorQueue);
        Assert.Equal(0u, errors);
        Assert.Equal((uint)(requests.Count - listener.Events.Count), returned);
        Assert.True(returned > 0, "some requests were held when the worker stopped");
    }
}
