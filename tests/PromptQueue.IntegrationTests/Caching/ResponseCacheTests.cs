using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Redis;

namespace PromptQueue.IntegrationTests.Caching;

/// <summary>The response cache over the real broker, a private redis-server and the simulator, with two worker replicas.</summary>
public sealed class ResponseCacheTests(BrokerFixture broker) : RedisLaneTestBase(broker, "cache")
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _otherLane = TestPaths.UniqueName("cache-b");

    public override async Task DisposeAsync()
    {
        await Broker.DeleteLaneAsync(_otherLane);
        await base.DisposeAsync();
    }

    /// <summary>Two replicas on one Redis; each serves its own lane so a test decides which one answers.</summary>
    private async Task<(WorkerHost A, WorkerHost B)> TwoReplicasAsync()
    {
        var a = await StartWorkerAsync(Settings(Lane));
        var b = await StartWorkerAsync(Settings(_otherLane));
        await ConnectedAsync(a);
        await ConnectedAsync(b);
        return (a, b);
    }

    /// <summary>A worker starts without Redis if it must; what these tests check needs it connected.</summary>
    private static async Task ConnectedAsync(WorkerHost worker)
    {
        var connection = worker.Services.GetRequiredService<RedisConnection>();
        for (var i = 0; i < 200 && connection.Database is null; i++)
        {
            await Task.Delay(50);
        }

        Assert.NotNull(connection.Database);
    }

    private Dictionary<string, string?> Settings(string lane)
    {
        var settings = WorkerHost.Lane(lane);
        settings["Cache:Redis"] = Redis.Configuration;
        return settings;
    }

    private static string Source(ResultEvent e) => e.Json.GetProperty("source").GetString()!;

    private static string? Matched(ResultEvent e) => e.Json.TryGetProperty("matchedRequestId", out var m) ? m.GetString() : null;

    private async Task<ResultEvent> AskAsync(ResultListener listener, string lane, CompletionRequest request)
    {
        await BrokerClient.PublishAsync(Broker.Connection, lane, [request]);
        var events = await listener.WaitForAsync(listener.Events.Count + 1, Wait);
        return events.Single(e => e.RequestId == request.RequestId);
    }

    [Fact]
    public async Task An_answer_cached_by_one_replica_is_hit_by_the_other_exactly_and_semantically_within_a_second()
    {
        await using var listener = await ListenAsync();
        var (a, b) = await TwoReplicasAsync();
        await using var _ = a;
        await using var __ = b;

        // B serves the scope first (so its index is loaded before A stores): the paraphrase must reach it by the change stream.
        Assert.Equal("Provider", Source(await AskAsync(listener, _otherLane, WorkerHost.Request(Tenant, "What is the capital of France?"))));
        var original = WorkerHost.Request(Tenant, "How do I reset my password?");
        var first = await AskAsync(listener, Lane, original);
        Assert.Equal("Provider", Source(first));

        await Task.Delay(TimeSpan.FromSeconds(1));
        var paraphrase = await AskAsync(listener, _otherLane, WorkerHost.Request(Tenant, "How can I reset my password?"));
        var exact = await AskAsync(listener, _otherLane, WorkerHost.Request(Tenant, "How do I reset my password?"));

        Assert.Equal("SemanticCache", Source(paraphrase));
        Assert.Equal(original.RequestId, Matched(paraphrase));
        Assert.InRange(paraphrase.Json.GetProperty("similarity").GetDouble(), 0.94, 1.0);
        Assert.Equal("ExactCache", Source(exact));
        Assert.Equal(original.RequestId, Matched(exact));
        Assert.Equal(first.Json.GetProperty("content").GetString(), exact.Json.GetProperty("content").GetString());
        Assert.Equal(0, exact.Attempts);
        Assert.Equal(2, (await Simulator.StatsAsync()).Requests);
    }

    [Fact]
    public async Task The_pair_verifier_confirms_a_paraphrase_above_the_floor_and_refuses_what_is_below_it()
    {
        await using var listener = await ListenAsync();
        await using var worker = await StartWorkerAsync(Settings(Lane));
        await ConnectedAsync(worker);

        var original = WorkerHost.Request(Tenant, "What is the price of the pro plan?");
        Assert.Equal("Provider", Source(await AskAsync(listener, Lane, original)));
        Assert.Equal("Provider", Source(await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "Is there a student discount?"))));

        // Cosine 0.993 and the verifier at 0.99 (its threshold at the default floor 0.98 is 0.1): served.
        var paraphrase = await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "What's the price of the pro plan?"));
        // Real paraphrases at cosine 0.95 and 0.92, under the floor: the default gives them up (docs/semantic-matching.md).
        var underFloor = await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "How much does the pro plan cost?"));
        var farUnderFloor = await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "Do you offer a student discount?"));
        var nearMiss = await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "What is the price of the basic plan?"));

        Assert.Equal("SemanticCache", Source(paraphrase));
        Assert.Equal(original.RequestId, Matched(paraphrase));
        Assert.InRange(paraphrase.Json.GetProperty("similarity").GetDouble(), new MatchOptions().CandidateFloor, 1.0);
        Assert.Equal("Provider", Source(farUnderFloor));
        Assert.Equal("Provider", Source(underFloor));
        Assert.Equal("Provider", Source(nearMiss));
    }

    [Fact]
    public async Task Identical_requests_in_flight_on_two_replicas_make_one_provider_call()
    {
        await using var listener = await ListenAsync();
        var (a, b) = await TwoReplicasAsync();
        await using var _ = a;
        await using var __ = b;
        const string prompt = "Summarise the incident report. [sim:latency=1500]";
        var one = WorkerHost.Request(Tenant, prompt);
        var two = WorkerHost.Request(Tenant, prompt);

        await Task.WhenAll(BrokerClient.PublishAsync(Broker.Connection, Lane, [one]), BrokerClient.PublishAsync(Broker.Connection, _otherLane, [two]));
        var events = await listener.WaitForAsync(2, Wait);

        Assert.Equal(1, (await Simulator.StatsAsync()).Requests);
        Assert.Equal(["ExactCache", "Provider"], events.Select(Source).Order());
        Assert.Single(events.Select(e => e.Json.GetProperty("content").GetString()).Distinct());
    }

    [Fact]
    public async Task Invalidation_by_tag_removes_the_entry_on_both_replicas()
    {
        await using var listener = await ListenAsync();
        var (a, b) = await TwoReplicasAsync();
        await using var _ = a;
        await using var __ = b;
        CompletionRequest Tagged() => WorkerHost.Request(Tenant, "What is the price of the pro plan?") with { Metadata = new Dictionary<string, string> { ["cacheTags"] = "pricing,plans" } };

        Assert.Equal("Provider", Source(await AskAsync(listener, Lane, Tagged())));
        Assert.Equal("ExactCache", Source(await AskAsync(listener, _otherLane, Tagged()))); // now in B's L1 too

        var owner = a.Services.GetRequiredService<ReuseClassifier>().Owner(Tenant);
        Assert.Equal(1, await a.Services.GetRequiredService<ResponseCache>().InvalidateTagAsync(owner, "pricing"));
        // B reads the change stream every 200 ms: the entry leaves its L1 then.
        var exactKey = RequestFingerprint.Exact(Tagged(), RequestFingerprint.Scope(Tagged()));
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (b.Services.GetRequiredService<LocalAnswerCache>().Get(exactKey) is not null)
            {
                await Task.Delay(20, deadline.Token);
            }
        }

        Assert.Equal("Provider", Source(await AskAsync(listener, _otherLane, Tagged())));
        Assert.Equal(2, (await Simulator.StatsAsync()).Requests);
    }

    [Fact]
    public async Task A_redelivered_or_republished_request_gets_its_stored_result_without_a_second_provider_call()
    {
        await using var listener = await ListenAsync();
        var (a, b) = await TwoReplicasAsync();
        await using var _ = a;
        await using var __ = b;
        // Bypass: no cache lookup at all, so only the idempotency record can stop the second call.
        var request = WorkerHost.Request(Tenant, "Draft a reply to ticket 4711.") with { CachePolicy = CachePolicy.Bypass };

        var first = await AskAsync(listener, Lane, request);
        await BrokerClient.PublishAsync(Broker.Connection, _otherLane, [request]); // the same RequestId on the other replica
        var events = await listener.WaitForAsync(2, Wait);

        Assert.Equal(1, (await Simulator.StatsAsync()).Requests);
        Assert.All(events, e => Assert.Equal(request.RequestId, e.RequestId));
        Assert.Equal(first.Raw, events[1].Raw);
    }

    [Fact]
    public async Task A_thousand_identical_prompts_from_two_tenants_never_cross_tenants()
    {
        var otherTenant = TestPaths.UniqueName("other");
        await using var mine = await ListenAsync();
        await using var theirs = await ResultListener.StartAsync(Broker.Connection, $"{otherTenant}.#");
        var (a, b) = await TwoReplicasAsync();
        await using var _ = a;
        await using var __ = b;
        var requests = Enumerable.Range(0, 1000).Select(i => WorkerHost.Request(i % 2 == 0 ? Tenant : otherTenant, "What is our refund policy?")).ToList();
        var tenantOf = requests.ToDictionary(r => r.RequestId, r => r.TenantId);

        await Task.WhenAll(
            BrokerClient.PublishAsync(Broker.Connection, Lane, requests.Take(500)),
            BrokerClient.PublishAsync(Broker.Connection, _otherLane, requests.Skip(500)));
        var events = (await mine.WaitForAsync(500, TimeSpan.FromSeconds(60))).Concat(await theirs.WaitForAsync(500, TimeSpan.FromSeconds(60))).ToList();

        Assert.Equal(1000, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal("succeeded", e.Outcome);
            Assert.Equal(tenantOf[e.RequestId], e.Json.GetProperty("tenantId").GetString());
            if (Matched(e) is { } matched)
            {
                Assert.Equal(tenantOf[e.RequestId], tenantOf[matched]);
            }
        });
        // Each tenant paid for its own answer, and (single-flight, cache) only for that one.
        Assert.Equal(2, (await Simulator.StatsAsync()).Requests);
    }

    [Fact]
    public async Task With_Redis_stopped_every_request_still_succeeds_and_once_it_is_back_L2_is_used_again()
    {
        await using var listener = await ListenAsync();
        await using var worker = await StartWorkerAsync(Settings(Lane));
        await ConnectedAsync(worker);
        var health = worker.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal("Provider", Source(await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "First question before the outage?"))));

        await Redis.StopAsync();
        var during = Enumerable.Range(0, 20).Select(i => WorkerHost.Request(Tenant, $"Question {i} during the outage?")).ToList();
        await BrokerClient.PublishAsync(Broker.Connection, Lane, during);
        var events = await listener.WaitForAsync(21, Wait);
        Assert.All(events, e => Assert.Equal("succeeded", e.Outcome));
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync()).Status);
        // L1 still answers what this worker saw before the outage.
        Assert.Equal("ExactCache", Source(await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "First question before the outage?"))));

        await Redis.RestartAsync();
        await ConnectedAsync(worker);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        var after = WorkerHost.Request(Tenant, "A question after the outage?");
        Assert.Equal("Provider", Source(await AskAsync(listener, Lane, after)));
        // A fresh replica has an empty L1: its hit can only come from Redis.
        await using var fresh = await StartWorkerAsync(Settings(_otherLane));
        await ConnectedAsync(fresh);
        var again = await AskAsync(listener, _otherLane, WorkerHost.Request(Tenant, "A question after the outage?"));
        Assert.Equal("ExactCache", Source(again));
        Assert.Equal(after.RequestId, Matched(again));
    }

    [Fact]
    public async Task Answers_warmed_from_a_file_are_served_exactly_and_semantically_and_bad_lines_are_skipped()
    {
        var file = Path.Combine(Path.GetTempPath(), $"promptqueue-warm-{Guid.NewGuid():N}.jsonl");
        var warm = new { request = WorkerHost.Request(Tenant, "How do I reset my password?"), answer = "Use the 'Forgot password' link on the sign-in page.", tags = new[] { "faq" } };
        await File.WriteAllLinesAsync(file, [JsonSerializer.Serialize(warm, WireJson.Options), "not json", """{"answer":"no request"}"""]);
        try
        {
            await using var listener = await ListenAsync();
            var settings = Settings(Lane);
            settings["Cache:WarmFile"] = file;
            await using var worker = await StartWorkerAsync(settings);

            var exact = await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "How do I reset my password?"));
            var paraphrase = await AskAsync(listener, Lane, WorkerHost.Request(Tenant, "How can I reset my password?"));

            Assert.Equal("ExactCache", Source(exact));
            Assert.Equal("Use the 'Forgot password' link on the sign-in page.", exact.Json.GetProperty("content").GetString());
            Assert.Equal("SemanticCache", Source(paraphrase));
            Assert.Equal(0, (await Simulator.StatsAsync()).Requests);
            Assert.Equal(1, worker.Services.GetRequiredService<CacheWarmup>().Loaded);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Tenants_configured_with_one_shared_scope_share_answers()
    {
        var partner = TestPaths.UniqueName("partner");
        await using var mine = await ListenAsync();
        await using var theirs = await ResultListener.StartAsync(Broker.Connection, $"{partner}.#");
        var settings = Settings(Lane);
        settings[$"Tenants:ByTenant:{Tenant}:CacheScope"] = "public-faq";
        settings[$"Tenants:ByTenant:{partner}:CacheScope"] = "public-faq";
        await using var worker = await StartWorkerAsync(settings);
        var first = WorkerHost.Request(Tenant, "What are your opening hours?");

        Assert.Equal("Provider", Source(await AskAsync(mine, Lane, first)));
        var shared = await AskAsync(theirs, Lane, WorkerHost.Request(partner, "What are your opening hours?"));

        Assert.Equal("ExactCache", Source(shared));
        Assert.Equal(first.RequestId, Matched(shared));
        Assert.Equal(1, (await Simulator.StatsAsync()).Requests);
    }
}
