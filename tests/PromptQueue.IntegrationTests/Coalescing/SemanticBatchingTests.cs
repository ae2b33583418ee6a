using System.Globalization;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Coalescing;

/// <summary>Semantic batching over the real broker, counting the simulator's calls.</summary>
public sealed class SemanticBatchingTests(BrokerFixture broker) : LaneTestBase(broker, "sem")
{
    // One window holds every request of a test: 16 slots, 400 ms.
    private Dictionary<string, string?> OneWindow(int connections = 8)
    {
        var settings = WorkerHost.Lane(Lane, concurrency: 16, batchSize: 16, windowMs: 400);
        settings["Providers:Endpoints:sim:MaxConnectionsPerServer"] = connections.ToString(CultureInfo.InvariantCulture);
        return settings;
    }

    [Fact]
    public async Task Three_paraphrases_and_two_unrelated_questions_cost_three_provider_calls_and_every_member_gets_an_answer()
    {
        await using var listener = await ListenAsync();
        await using var worker = await StartWorkerAsync(OneWindow());
        var paraphrases = new[] { "How do I reset my password?", "How can I reset my password?", "How can I reset my password" }.Select(t => WorkerHost.Request(Tenant, t)).ToList();
        var unrelated = new[] { "What is the capital of France?", "Write a haiku about autumn." }.Select(t => WorkerHost.Request(Tenant, t)).ToList();

        await BrokerClient.PublishAsync(Broker.Connection, Lane, [.. paraphrases, .. unrelated]);
        var events = (await listener.WaitForAsync(5, TimeSpan.FromSeconds(30))).ToDictionary(e => e.RequestId);

        Assert.Equal(5, events.Count);
        Assert.All(events.Values, e => Assert.Equal("succeeded", e.Outcome));
        Assert.Equal(3, (await Simulator.StatsAsync()).Requests);
        var group = paraphrases.Select(p => events[p.RequestId]).ToList();
        var leader = Assert.Single(group, e => e.Json.GetProperty("source").GetString() == "Provider");
        var followers = group.Where(e => e != leader).ToList();
        Assert.All(followers, e =>
        {
            Assert.Equal("Coalesced", e.Json.GetProperty("source").GetString());
            Assert.Equal(leader.RequestId, e.Json.GetProperty("matchedRequestId").GetString());
            Assert.InRange(e.Json.GetProperty("similarity").GetDouble(), 0.9, 1.0);
            Assert.Equal(leader.Json.GetProperty("content").GetString(), e.Json.GetProperty("content").GetString());
            Assert.Equal(0, e.Attempts);
        });
    }

    [Fact]
    public async Task Different_numbers_and_negations_get_their_own_provider_calls()
    {
        await using var listener = await ListenAsync();
        await using var worker = await StartWorkerAsync(OneWindow());
        var requests = new[]
        {
            "Deploy the AMF with 3 replicas.", "Deploy the AMF with 5 replicas.",
            "Is this transaction fraudulent?", "Is this transaction not fraudulent?",
        }.Select(t => WorkerHost.Request(Tenant, t)).ToList();

        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
        var events = await listener.WaitForAsync(4, TimeSpan.FromSeconds(30));

        Assert.All(events, e => Assert.Equal("Provider", e.Json.GetProperty("source").GetString()));
        Assert.Equal(4, (await Simulator.StatsAsync()).Requests);
    }

    [Fact]
    public async Task Identical_prompts_from_two_tenants_are_never_coalesced()
    {
        var otherTenant = TestPaths.UniqueName("other");
        await using var mine = await ListenAsync();
        await using var theirs = await ResultListener.StartAsync(Broker.Connection, $"{otherTenant}.#");
        await using var worker = await StartWorkerAsync(OneWindow());

        await BrokerClient.PublishAsync(Broker.Connection, Lane, [WorkerHost.Request(Tenant, "What is our refund policy?"), WorkerHost.Request(otherTenant, "What is our refund policy?")]);
        var a = await mine.WaitForAsync(1, TimeSpan.FromSeconds(30));
        var b = await theirs.WaitForAsync(1, TimeSpan.FromSeconds(30));

        Assert.Equal("Provider", Assert.Single(a).Json.GetProperty("source").GetString());
        Assert.Equal("Provider", Assert.Single(b).Json.GetProperty("source").GetString());
        Assert.Equal(2, (await Simulator.StatsAsync()).Requests);
    }

    [Fact]
    public async Task In_a_mixed_batch_the_highest_priority_group_is_dispatched_first()
    {
        await using var listener = await ListenAsync();
        // One provider connection: calls reach the simulator in the order the worker dispatched them.
        await using var worker = await StartWorkerAsync(OneWindow(connections: 1));
        var bulk = new[] { "Explain recursion to a beginner.", "Explain recursion for a beginner." }.Select(t => WorkerHost.Request(Tenant, t, priority: 1));
        var normal = WorkerHost.Request(Tenant, "What is the capital of France?", priority: 5);
        var urgent = WorkerHost.Request(Tenant, "How do I cancel my subscription?", priority: 9);

        // Urgent last: it joins the same window, after everything else, and must still go first.
        await BrokerClient.PublishAsync(Broker.Connection, Lane, [.. bulk, normal]);
        await BrokerClient.PublishAsync(Broker.Connection, Lane, [urgent]);
        await listener.WaitForAsync(4, TimeSpan.FromSeconds(30));

        var calls = (await Simulator.RequestsAsync()).OrderBy(r => r.Sequence).Select(r => r.LastUserText).ToList();
        Assert.Equal(3, calls.Count);
        Assert.Equal("How do I cancel my subscription?", calls[0]);
        Assert.Equal("What is the capital of France?", calls[1]);
        Assert.StartsWith("Explain recursion", calls[2], StringComparison.Ordinal);
    }
}
