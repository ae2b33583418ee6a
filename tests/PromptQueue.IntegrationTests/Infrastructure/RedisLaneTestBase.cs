namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>A lane test with a private redis-server of its own (started per test, stopped afterwards).</summary>
public abstract class RedisLaneTestBase(BrokerFixture broker, string lanePrefix) : LaneTestBase(broker, lanePrefix)
{
    protected RedisServer Redis { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Redis = await RedisServer.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        await base.DisposeAsync();
    }
}
