using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Worker.Messaging;

namespace PromptQueue.IntegrationTests.EndToEnd;

public sealed class AcknowledgementTests(BrokerFixture broker) : LaneTestBase(broker, "ack")
{
    [Fact]
    public async Task Stalled_provider_call_does_not_keep_the_other_requests_of_its_window_unacknowledged()
    {
        await using var listener = await ListenAsync();
        // One window holds all 20 requests (batch 32, window 200 ms).
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane, concurrency: 32, batchSize: 32, windowMs: 200));
        var stalled = WorkerHost.Request(Tenant, "This one hangs [sim:stall=60000]");
        var neighbours = Enumerable.Range(0, 19).Select(i => WorkerHost.Request(Tenant, $"Neighbour {i}")).ToList();

        await BrokerClient.PublishAsync(Broker.Connection, Lane, [stalled, .. neighbours]);
        var events = await listener.WaitForAsync(19, TimeSpan.FromSeconds(30));

        Assert.Equal(19, events.Count);
        Assert.DoesNotContain(events, e => e.RequestId == stalled.RequestId);
        var batchWaits = events.Select(e => e.Json.GetProperty("timings").GetProperty("batchWaitMs").GetDouble()).ToList();
        Assert.Contains(batchWaits, w => w > 50); // they really shared a window with the stalled request

        // The broker's own count: only the stalled delivery is still unacknowledged.
        QueueFigures? figures = null;
        for (var i = 0; i < 40; i++)
        {
            figures = await Broker.GetQueueAsync(WireSchema.RequestQueue(Lane));
            if (figures is { Unacknowledged: 1, Ready: 0 })
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.Equal(new QueueFigures(0, 1, 1), figures);
    }

    [Fact]
    public async Task PausedLane_stops_consuming_while_the_otherLane_keeps_working_and_resumes_where_it_left_off()
    {
        var otherLane = TestPaths.UniqueName("other");
        try
        {
            await using var listener = await ListenAsync();
            var settings = WorkerHost.Lane(Lane);
            foreach (var (key, value) in WorkerHost.Lane(otherLane))
            {
                settings[key] = value;
            }

            await using var worker = await StartWorkerAsync(settings);
            var switchboard = worker.Services.GetRequiredService<LaneSwitchboard>();

            await switchboard.PauseAsync(Lane, CancellationToken.None);
            await BrokerClient.PublishAsync(Broker.Connection, Lane, Enumerable.Range(0, 5).Select(i => WorkerHost.Request(Tenant, $"paused {i}")));
            await BrokerClient.PublishAsync(Broker.Connection, otherLane, Enumerable.Range(0, 5).Select(i => WorkerHost.Request(Tenant, $"running {i}")));
            var whilePaused = await listener.WaitForAsync(5, TimeSpan.FromSeconds(30));
            await Task.Delay(500);

            Assert.Equal(5, listener.Events.Count);
            Assert.All(whilePaused, e => Assert.Equal(otherLane, e.Json.GetProperty("lane").GetString()));
            Assert.Equal(5u, await Broker.CountReadyAsync(WireSchema.RequestQueue(Lane)));

            await switchboard.ResumeAsync(Lane, CancellationToken.None);
            var all = await listener.WaitForAsync(10, TimeSpan.FromSeconds(30));

            Assert.Equal(10, all.Count);
        }
        finally
        {
            await Broker.DeleteLaneAsync(otherLane);
        }
    }
}
