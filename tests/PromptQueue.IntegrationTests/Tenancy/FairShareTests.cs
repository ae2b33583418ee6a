using System.Globalization;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace PromptQueue.IntegrationTests.Tenancy;

/// <summary>A tenant with a flood in the lane's queue does not make a tenant with a trickle wait for the whole backlog.</summary>
public sealed class FairShareTests(BrokerFixture broker, ITestOutputHelper output) : LaneTestBase(broker, "fair")
{
    private const int Flood = 240;
    private const int Trickle = 6;

    protected override IDictionary<string, string?>? SimulatorSettings => new Dictionary<string, string?>
    {
        ["Simulator:BaseLatencyMs"] = "100",
        ["Simulator:JitterMs"] = "0",
    };

    [Fact]
    public async Task A_trickle_tenant_is_answered_while_a_flood_tenant_still_has_most_of_its_backlog()
    {
        var fair = await RunAsync(maxLaneShare: 0.5);
        var unfair = await RunAsync(maxLaneShare: 1.0);

        output.WriteLine($"flood results before the trickle's last: fair share {fair.FloodBeforeTrickle}/{Flood}, without {unfair.FloodBeforeTrickle}/{Flood}");
        // Flood requests answered before the trickle's last one: a few turns' worth with fair share, nearly all without.
        Assert.True(fair.FloodBeforeTrickle < Flood / 3, $"fair share: {fair.FloodBeforeTrickle} of {Flood} flood results came before the trickle's last");
        Assert.True(unfair.FloodBeforeTrickle > Flood * 2 / 3, $"without fair share: {unfair.FloodBeforeTrickle} of {Flood} flood results came before the trickle's last");
        Assert.True(fair.OverflowQueueConsumed);
        Assert.False(unfair.OverflowQueueConsumed);
    }

    private async Task<RunResult> RunAsync(double maxLaneShare)
    {
        var flood = TestPaths.UniqueName("flood");
        var trickle = TestPaths.UniqueName("trickle");
        await using var floodListener = await ResultListener.StartAsync(Broker.Connection, $"{flood}.#");
        await using var trickleListener = await ResultListener.StartAsync(Broker.Connection, $"{trickle}.#");
        var settings = WorkerHost.Lane(Lane, concurrency: 16, batchSize: 8);
        settings["Providers:Endpoints:sim:MaxConnectionsPerServer"] = "4";
        settings["Tenants:MaxLaneShare"] = maxLaneShare.ToString(CultureInfo.InvariantCulture);
        await using var worker = await StartWorkerAsync(settings);

        // The trickle tenant was seen recently (it sends now and then), then the flood arrives, then the trickle.
        var warm = WorkerHost.Request(trickle, "hello again");
        await BrokerClient.PublishAsync(Broker.Connection, Lane, [warm]);
        await trickleListener.WaitForAsync(1, TimeSpan.FromSeconds(30));
        await BrokerClient.PublishAsync(Broker.Connection, Lane, Enumerable.Range(0, Flood).Select(i => WorkerHost.Request(flood, $"bulk job {i} of {maxLaneShare}")).ToList());
        await Simulator.WaitForRequestsAsync(1 + 4, TimeSpan.FromSeconds(30)); // the flood holds every provider connection
        await BrokerClient.PublishAsync(Broker.Connection, Lane, Enumerable.Range(0, Trickle).Select(i => WorkerHost.Request(trickle, $"interactive question {i} of {maxLaneShare}")).ToList());

        await trickleListener.WaitForAsync(1 + Trickle, TimeSpan.FromSeconds(60));
        var floodBefore = floodListener.Events.Count;
        var floodEvents = await floodListener.WaitForAsync(Flood, TimeSpan.FromSeconds(90));
        Assert.All(floodEvents, e => Assert.Equal("succeeded", e.Outcome));
        Assert.All(trickleListener.Events, e => Assert.Equal("succeeded", e.Outcome));
        var overflow = await Broker.GetQueueAsync(WireSchema.OverflowQueue(Lane));
        await Broker.DeleteQueuesAsync(WireSchema.OverflowQueue(Lane));
        return new RunResult(floodBefore, overflow is { Consumers: > 0 });
    }

    private sealed record RunResult(int FloodBeforeTrickle, bool OverflowQueueConsumed);
}
