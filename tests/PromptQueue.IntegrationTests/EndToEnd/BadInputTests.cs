using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Reliability;

namespace PromptQueue.IntegrationTests.EndToEnd;

/// <summary>The bad-input suite (scripts/bad-input runs it at 10,000) at CI size, against an in-process worker.</summary>
public sealed class BadInputTests(BrokerFixture broker) : LaneTestBase(broker, "hostile")
{
    [Fact]
    public async Task Hostile_messages_mixed_with_good_ones_each_get_a_clear_fate_and_every_good_one_succeeds()
    {
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane, concurrency: 32, batchSize: 16));
        var messages = HostileMessages.Generate(600, Tenant, "sim-small", seed: 11);

        var report = await BadInputSuite.RunAsync(Broker.Connection, Lane, Tenant, messages, TimeSpan.FromMinutes(3));

        Assert.Empty(report.Violations);
        Assert.True(report.RefusedByBroker >= 2, "the 10 MB and million-token bodies must reach the broker's size limit");
        Assert.Equal(messages.Count(m => m.Expect == Expectation.Succeeded), report.Succeeded);
        Assert.True(report.ByKind.Count >= 15, "every kind of hostile input is generated");
    }
}
