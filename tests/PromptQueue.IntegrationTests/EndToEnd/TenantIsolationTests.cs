using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.EndToEnd;

public sealed class TenantIsolationTests(BrokerFixture broker) : LaneTestBase(broker, "iso")
{
    [Fact]
    public async Task Consumer_bound_forTenant_B_never_sees_a_result_ofTenant_A()
    {
        var tenantA = TestPaths.UniqueName("a");
        var tenantB = TestPaths.UniqueName("b");
        // Tenant ids that share a prefix must not leak into each other's bindings either.
        var tenantBLookalike = tenantB + "x";
        await using var listenerA = await ResultListener.StartAsync(Broker.Connection, $"{tenantA}.#");
        await using var listenerB = await ResultListener.StartAsync(Broker.Connection, $"{tenantB}.#");
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane));
        var requests = Enumerable.Range(0, 60)
            .Select(i => WorkerHost.Request(i % 3 == 0 ? tenantA : i % 3 == 1 ? tenantB : tenantBLookalike, $"Same question {i % 5}"))
            .ToList();

        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
        var ofA = await listenerA.WaitForAsync(20, TimeSpan.FromSeconds(30));
        var ofB = await listenerB.WaitForAsync(20, TimeSpan.FromSeconds(30));
        await Task.Delay(1000);

        Assert.Equal(20, listenerA.Events.Count);
        Assert.Equal(20, listenerB.Events.Count);
        Assert.All(listenerB.Events, e => Assert.Equal(tenantB, e.TenantId));
        Assert.All(listenerA.Events, e => Assert.Equal(tenantA, e.TenantId));
    }
}
