using System.Diagnostics;
using System.Globalization;
using System.Text;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Security;

/// <summary>
/// The real worker process, given a broker password, a Redis password and a provider key, is made to fail with each
/// (Redis refuses the password, the provider refuses the key) at debug log level: none of the three reaches its
/// console output or a result event.
/// </summary>
public sealed class SecretsInLogsTests(BrokerFixture broker) : LaneTestBase(broker, "secrets")
{
    private readonly string _user = TestPaths.UniqueName("pqworker");
    private readonly string _amqpPassword = "amqp-" + Guid.NewGuid().ToString("N");
    private const string RedisPassword = "redis-wrong-5531-pass";
    private const string ApiKey = "sk-wrong-provider-key-8842";

    protected override IDictionary<string, string?>? SimulatorSettings => new Dictionary<string, string?> { ["Simulator:ApiKey"] = "sk-the-right-key" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Broker.ManagementPutAsync($"api/users/{_user}", new { password = _amqpPassword, tags = "" });
        await Broker.ManagementPutAsync($"api/permissions/%2F/{_user}", new { configure = ".*", write = ".*", read = ".*" });
    }

    public override async Task DisposeAsync()
    {
        await Broker.ManagementDeleteAsync($"api/users/{_user}");
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Broker_password_redis_password_and_provider_key_never_reach_the_logs_or_events()
    {
        await using var redis = await RedisServer.StartAsync("--requirepass", "the-right-redis-password");
        await using var listener = await ListenAsync();
        var output = new StringBuilder();
        var amqp = new UriBuilder(Broker.AmqpUri) { UserName = _user, Password = _amqpPassword }.Uri;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PromptQueue.Worker.dll"));
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(TestPaths.EmptyContentRoot());
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging__LogLevel__Default"] = "Debug",
            ["Messaging__RabbitMqUri"] = amqp.ToString(),
            [$"Messaging__Lanes__{Lane}__ConcurrencyLimit"] = "4",
            [$"Messaging__Lanes__{Lane}__BatchMaxSize"] = "4",
            ["Cache__Redis"] = $"{redis.Configuration},password={RedisPassword}",
            ["Providers__Endpoints__sim__BaseUrl"] = Simulator.ApiUrl.ToString(),
            ["Providers__Endpoints__sim__ApiKey"] = ApiKey,
            ["Providers__Models__sim-small__Endpoints__0"] = "sim",
        })
        {
            start.Environment[key] = value;
        }

        using var worker = Process.Start(start)!;
        worker.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        worker.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            for (var i = 0; i < 240 && await Broker.GetQueueAsync(LaneQueue) is not { Consumers: > 0 }; i++)
            {
                await Task.Delay(250); // the worker declares and consumes the lane once it is up
            }

            var requests = Enumerable.Range(0, 3).Select(i => WorkerHost.Request(Tenant, $"secret test {i}")).ToList();
            await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
            var events = await listener.WaitForAsync(requests.Count, TimeSpan.FromSeconds(90));
            Assert.All(events, e => Assert.Equal("ProviderRejected", e.ErrorCode)); // the provider refused the key
            Assert.All(events, e => Assert.DoesNotContain(ApiKey, e.Raw, StringComparison.Ordinal));
        }
        finally
        {
            Process.Start("kill", ["-TERM", worker.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await worker.WaitForExitAsync(limit.Token);
        }

        string log;
        lock (output)
        {
            log = output.ToString();
        }

        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "promptqueue-secrets-test-worker.log"), log); // to read when it fails

        Assert.Contains("Redis", log, StringComparison.OrdinalIgnoreCase); // Redis refused the password, and it was logged
        Assert.DoesNotContain(_amqpPassword, log, StringComparison.Ordinal);
        Assert.DoesNotContain(RedisPassword, log, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, log, StringComparison.Ordinal);
    }
}
