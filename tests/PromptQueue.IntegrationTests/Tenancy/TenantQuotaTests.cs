using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Tenancy;

/// <summary>Per-tenant quotas counted in Redis, shared by replicas.</summary>
public sealed class TenantQuotaTests(BrokerFixture broker) : RedisLaneTestBase(broker, "quota")
{
    [Fact]
    public async Task Requests_over_a_tenants_quota_get_QuotaExceeded_across_two_replicas_and_other_tenants_are_untouched()
    {
        await WaitUntilWellInsideAMinuteAsync();
        var other = TestPaths.UniqueName("unlimited");
        await using var listener = await ListenAsync();
        await using var otherListener = await ResultListener.StartAsync(Broker.Connection, $"{other}.#");
        var settings = Settings();
        settings[$"Tenants:ByTenant:{Tenant}:RequestsPerMinute"] = "10";
        await using var first = await StartWorkerAsync(settings);
        await using var second = await StartWorkerAsync(settings);

        await BrokerClient.PublishAsync(Broker.Connection, Lane, Enumerable.Range(0, 16).Select(i => WorkerHost.Request(Tenant, $"quota request {i}")).ToList());
        await BrokerClient.PublishAsync(Broker.Connection, Lane, Enumerable.Range(0, 16).Select(i => WorkerHost.Request(other, $"free request {i}")).ToList());
        var events = await listener.WaitForAsync(16, TimeSpan.FromSeconds(60));
        var others = await otherListener.WaitForAsync(16, TimeSpan.FromSeconds(60));

        Assert.Equal(10, events.Count(e => e.Outcome == "succeeded"));
        var refused = events.Where(e => e.Outcome != "succeeded").ToList();
        Assert.Equal(6, refused.Count);
        Assert.All(refused, e =>
        {
            Assert.Equal("QuotaExceeded", e.ErrorCode);
            Assert.True(e.Json.GetProperty("retryable").GetBoolean());
            Assert.Contains("10 requests per minute", e.Json.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        });
        Assert.All(others, e => Assert.Equal("succeeded", e.Outcome));
    }

    [Fact]
    public async Task A_token_quota_counts_prompt_tokens_plus_the_output_cap()
    {
        await WaitUntilWellInsideAMinuteAsync();
        await using var listener = await ListenAsync();
        var settings = Settings();
        settings[$"Tenants:ByTenant:{Tenant}:TokensPerMinute"] = "2500";
        await using var worker = await StartWorkerAsync(settings);

        // Each request counts ~10 prompt tokens + 1,000 output tokens: two fit in 2,500, the third does not.
        var requests = Enumerable.Range(0, 3).Select(i => WorkerHost.Request(Tenant, $"token quota {i}") with { MaxTokens = 1000 }).ToList();
        foreach (var request in requests)
        {
            await BrokerClient.PublishAsync(Broker.Connection, Lane, [request]);
            await listener.WaitForAsync(requests.IndexOf(request) + 1, TimeSpan.FromSeconds(30));
        }

        var events = listener.Events.ToDictionary(e => e.RequestId);
        Assert.Equal("succeeded", events[requests[0].RequestId].Outcome);
        Assert.Equal("succeeded", events[requests[1].RequestId].Outcome);
        Assert.Equal("QuotaExceeded", events[requests[2].RequestId].ErrorCode);
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = WorkerHost.Lane(Lane);
        settings["Cache:Redis"] = Redis.Configuration;
        return settings;
    }

    /// <summary>Quotas count per UTC minute: a test that straddled a minute would see two windows.</summary>
    private static async Task WaitUntilWellInsideAMinuteAsync()
    {
        var second = DateTimeOffset.UtcNow.Second;
        if (second > 40)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - second));
        }
    }
}
