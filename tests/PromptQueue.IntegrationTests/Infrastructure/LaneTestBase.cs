using PromptQueue.Contracts;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>
/// A test class with its own lane, tenant and provider simulator, so tests never share queues; the lane's
/// queues are deleted afterwards.
/// </summary>
[Collection(BrokerCollection.Name)]
public abstract class LaneTestBase(BrokerFixture broker, string lanePrefix) : IAsyncLifetime
{
    protected BrokerFixture Broker { get; } = broker;

    protected string Lane { get; } = TestPaths.UniqueName(lanePrefix);

    protected string Tenant { get; } = TestPaths.UniqueName("tenant");

    protected SimulatorHost Simulator { get; private set; } = null!;

    protected string LaneQueue => WireSchema.RequestQueue(Lane);

    protected string ErrorQueue => WireSchema.RequestQueue(Lane) + "_error";

    /// <summary>Simulator settings for this class (latency is 5-10 ms unless a test says otherwise).</summary>
    protected virtual IDictionary<string, string?>? SimulatorSettings => null;

    public virtual async Task InitializeAsync() => Simulator = await SimulatorHost.StartAsync(SimulatorSettings);

    public virtual async Task DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await Broker.DeleteLaneAsync(Lane);
    }

    protected Task<WorkerHost> StartWorkerAsync(IDictionary<string, string?>? settings = null) =>
        WorkerHost.StartAsync(Broker.AmqpUri, Simulator.ApiUrl, settings ?? WorkerHost.Lane(Lane));

    protected Task<ResultListener> ListenAsync() => ResultListener.StartAsync(Broker.Connection, $"{Tenant}.#");
}
