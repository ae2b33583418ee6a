using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Providers;

public sealed class ProviderFailureTests(BrokerFixture broker) : LaneTestBase(broker, "fail")
{
    protected override IDictionary<string, string?>? SimulatorSettings => new Dictionary<string, string?> { ["Simulator:RetryAfterSeconds"] = "1" };

    [Fact]
    public async Task Provider_errors_are_retried_then_reported_with_the_right_code_and_transient_ones_recover()
    {
        await using var listener = await ListenAsync();
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane));
        var alwaysFails = WorkerHost.Request(Tenant, "broken [sim:status=500]");
        var alwaysLimited = WorkerHost.Request(Tenant, "throttled [sim:status=429]");
        var recovers = WorkerHost.Request(Tenant, "flaky [sim:fail=2:503]");
        var rejected = WorkerHost.Request(Tenant, "forbidden [sim:status=403]");

        await BrokerClient.PublishAsync(Broker.Connection, Lane, [alwaysFails, alwaysLimited, recovers, rejected]);
        var events = (await listener.WaitForAsync(4, TimeSpan.FromSeconds(60))).ToDictionary(e => e.RequestId);

        // MaxRetries is 2: three attempts each, then a failed event with a stable code.
        Assert.Equal("ProviderUnavailable", events[alwaysFails.RequestId].ErrorCode);
        Assert.Equal(3, events[alwaysFails.RequestId].Attempts);
        Assert.True(events[alwaysFails.RequestId].Json.GetProperty("retryable").GetBoolean());

        Assert.Equal("RateLimited", events[alwaysLimited.RequestId].ErrorCode);
        Assert.Equal(3, events[alwaysLimited.RequestId].Attempts);
        // Retry-After: 1 s was honoured on both retries (the backoff alone would be ~150 ms).
        Assert.True(events[alwaysLimited.RequestId].Json.GetProperty("timings").GetProperty("providerMs").GetDouble() >= 1900);

        Assert.Equal("succeeded", events[recovers.RequestId].Outcome);
        Assert.Equal(3, events[recovers.RequestId].Attempts);

        Assert.Equal("ProviderRejected", events[rejected.RequestId].ErrorCode);
        Assert.Equal(1, events[rejected.RequestId].Attempts);
        Assert.False(events[rejected.RequestId].Json.GetProperty("retryable").GetBoolean());

        Assert.Equal(3 + 3 + 3 + 1, (await Simulator.StatsAsync()).Requests);
    }

    [Fact]
    public async Task Secret_api_key_reaches_the_provider_but_never_a_result_event()
    {
        await using var keyed = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:ApiKey"] = "sk-test-secret-4242" });
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane);
        settings["Providers:Endpoints:sim:ApiKey"] = "sk-test-secret-4242";
        settings["Providers:Endpoints:bad:BaseUrl"] = keyed.ApiUrl.ToString();
        settings["Providers:Endpoints:bad:ApiKey"] = "sk-wrong-key-0000";
        settings["Providers:Models:wrong-key:Endpoints:0"] = "bad";
        await using var worker = await WorkerHost.StartAsync(Broker.AmqpUri, keyed.ApiUrl, settings);

        var ok = WorkerHost.Request(Tenant, "with the right key");
        var denied = WorkerHost.Request(Tenant, "with the wrong key", model: "wrong-key");
        await BrokerClient.PublishAsync(Broker.Connection, Lane, [ok, denied]);
        var events = (await listener.WaitForAsync(2, TimeSpan.FromSeconds(30))).ToDictionary(e => e.RequestId);

        Assert.Equal("succeeded", events[ok.RequestId].Outcome);
        Assert.Equal("ProviderRejected", events[denied.RequestId].ErrorCode);
        Assert.All(events.Values, e => Assert.DoesNotContain("sk-", e.Raw, StringComparison.Ordinal));
    }
}
