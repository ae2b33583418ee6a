using System.Net.Http.Json;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Worker.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace PromptQueue.IntegrationTests.EndToEnd;

[Collection(BrokerCollection.Name)]
public sealed class AcknowledgementTests(BrokerFixture broker) : IAsyncLifetime
{
    private readonly string _lane = TestPaths.UniqueName("ack");
    private readonly string _tenant = TestPaths.UniqueName("tenant");
    private SimulatorHost _simulator = null!;

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        await broker.DeleteQueuesAsync(WireSchema.RequestQueue(_lane));
    }

    [Fact]
    public async Task Stalled_provider_call_does_not_keep_the_other_requests_of_its_window_unacknowledged()
    {
        await using var listener = await ResultListener.StartAsync(broker.Connection, $"{_tenant}.#");
        // One window holds all 20 requests (batch 32, window 200 ms).
        await using var worker = await WorkerHost.StartAsync(broker.AmqpUri, _simulator.ApiUrl, WorkerHost.Lane(_lane, concurrency: 32, batchSize: 32, windowMs: 200));
        var stalled = WorkerHost.Request(_tenant, "This one hangs [sim:stall=60000]");
        var neighbours = Enumerable.Range(0, 19).Select(i => WorkerHost.Request(_tenant, $"Neighbour {i}")).ToList();

        await BrokerClient.PublishAsync(broker.Connection, _lane, [stalled, .. neighbours]);
        var events = await listener.WaitForAsync(19, TimeSpan.FromSeconds(30));

        Assert.Equal(19, events.Count);
        Assert.DoesNotContain(events, e => e.RequestId == stalled.RequestId);
        var batchWaits = events.Select(e => e.Json.GetProperty("timings").GetProperty("batchWaitMs").GetDouble()).ToList();
        Assert.Contains(batchWaits, w => w > 50); // they really shared a window with the stalled request

        // The broker's own count: only the stalled delivery is still unacknowledged.
        QueueFigures? figures = null;
        for (var i = 0; i < 40; i++)
        {
            figures = await broker.GetQueueAsync(WireSchema.RequestQueue(_lane));
            if (figures is { Unacknowledged: 1, Ready: 0 })
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.Equal(new QueueFigures(0, 1, 1), figures);
    }

    [Fact]
    public async Task Paused_lane_stops_consuming_while_the_other_lane_keeps_working_and_resumes_where_it_left_off()
    {
        var otherLane = TestPaths.UniqueName("other");
        try
        {
            await using var listener = await ResultListener.StartAsync(broker.Connection, $"{_tenant}.#");
            var settings = WorkerHost.Lane(_lane);
            foreach (var (key, value) in WorkerHost.Lane(otherLane))
            {
                settings[key] = value;
            }

            await using var worker = await WorkerHost.StartAsync(broker.AmqpUri, _simulator.ApiUrl, settings);
            var switchboard = worker.Services.GetRequiredService<LaneSwitchboard>();

            await switchboard.PauseAsync(_lane, CancellationToken.None);
            await BrokerClient.PublishAsync(broker.Connection, _lane, Enumerable.Range(0, 5).Select(i => WorkerHost.Request(_tenant, $"paused {i}")));
            await BrokerClient.PublishAsync(broker.Connection, otherLane, Enumerable.Range(0, 5).Select(i => WorkerHost.Request(_tenant, $"running {i}")));
            var whilePaused = await listener.WaitForAsync(5, TimeSpan.FromSeconds(30));
            await Task.Delay(500);

            Assert.Equal(5, listener.Events.Count);
            Assert.All(whilePaused, e => Assert.Equal(otherLane, e.Json.GetProperty("lane").GetString()));
            Assert.Equal(5u, await broker.CountReadyAsync(WireSchema.RequestQueue(_lane)));

            await switchboard.ResumeAsync(_lane, CancellationToken.None);
            var all = await listener.WaitForAsync(10, TimeSpan.FromSeconds(30));

            Assert.Equal(10, all.Count);
        }
        finally
        {
            await broker.DeleteQueuesAsync(WireSchema.RequestQueue(otherLane));
        }
    }
}
