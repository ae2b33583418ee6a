using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.EndToEnd;

[Collection(BrokerCollection.Name)]
public sealed class TenantIsolationTests(BrokerFixture broker) : IAsyncLifetime
{
    private readonly string _lane = TestPaths.UniqueName("iso");
    private SimulatorHost _simulator = null!;

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        await broker.DeleteQueuesAsync(WireSchema.RequestQueue(_lane));
    }

    [Fact]
    public async Task Consumer_bound_for_tenant_B_never_sees_a_result_of_tenant_A()
    {
        var tenantA = TestPaths.UniqueName("a");
        var tenantB = TestPaths.UniqueName("b");
        // Tenant ids that share a prefix must not leak into each other's bindings either.
        var tenantBLookalike = tenantB + "x";
        await using var listenerA = await ResultListener.StartAsync(broker.Connection, $"{tenantA}.#");
        await using var listenerB = await ResultListener.StartAsync(broker.Connection, $"{tenantB}.#");
        await using var worker = await WorkerHost.StartAsync(broker.AmqpUri, _simulator.ApiUrl, WorkerHost.Lane(_lane));
        var requests = Enumerable.Range(0, 60)
            .Select(i => WorkerHost.Request(i % 3 == 0 ? tenantA : i % 3 == 1 ? tenantB : tenantBLookalike, $"Same question {i % 5}"))
            .ToList();

        await BrokerClient.PublishAsync(broker.Connection, _lane, requests);
        var ofA = await listenerA.WaitForAsync(20, TimeSpan.FromSeconds(30));
        var ofB = await listenerB.WaitForAsync(20, TimeSpan.FromSeconds(30));
        await Task.Delay(1000);

        Assert.Equal(20, listenerA.Events.Count);
        Assert.Equal(20, listenerB.Events.Count);
        Assert.All(listenerB.Events, e => Assert.Equal(tenantB, e.TenantId));
        Assert.All(listenerA.Events, e => Assert.Equal(tenantA, e.TenantId));
    }
}
