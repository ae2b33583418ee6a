using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Redis;

namespace PromptQueue.IntegrationTests.Security;

/// <summary>
/// The worker over TLS to both servers: RabbitMQ's amqps listener (127.0.0.1:5671) and a TLS-only redis-server,
/// each with a certificate from the local test CA that scripts/lib/services.sh makes (pq_ensure_tls).
/// </summary>
public sealed class TlsTests(BrokerFixture broker) : LaneTestBase(broker, "tls")
{
    private static string TlsDirectory => Environment.GetEnvironmentVariable("PROMPTQUEUE_TLS_DIR")
        ?? throw new InvalidOperationException("PROMPTQUEUE_TLS_DIR is not set: run the tests through scripts/test (scripts/lib/services.sh makes the test CA and the broker's TLS listener).");

    private static Uri TlsBroker => new(Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_TLS_URI")
        ?? throw new InvalidOperationException("PROMPTQUEUE_RABBITMQ_TLS_URI is not set: run the tests through scripts/test."));

    private static string Ca => Path.Combine(TlsDirectory, "ca.pem");

    [Fact]
    public async Task Worker_consumes_publishes_and_caches_over_TLS_trusting_the_configured_CA()
    {
        await using var redis = await RedisServer.StartTlsAsync(TlsDirectory);
        await using var listener = await ListenAsync();
        var settings = WorkerHost.Lane(Lane);
        settings["Messaging:TlsCaCertificateFile"] = Ca;
        settings["Cache:Redis"] = $"localhost:{redis.Port}";
        settings["Cache:TlsCaCertificateFile"] = Ca;
        await using var worker = await WorkerHost.StartAsync(TlsBroker, Simulator.ApiUrl, settings);

        var requests = Enumerable.Range(0, 5).Select(i => WorkerHost.Request(Tenant, $"over TLS {i}")).ToList();
        await BrokerClient.PublishAsync(Broker.Connection, Lane, requests);
        var events = await listener.WaitForAsync(requests.Count, TimeSpan.FromSeconds(60));

        Assert.All(events, e => Assert.Equal("succeeded", e.Outcome));
        var connections = await WorkerConnectionsAsync();
        Assert.NotEmpty(connections);
        Assert.All(connections, c => Assert.True(c.Ssl, $"connection {c.Name} is not TLS"));
        var database = worker.Services.GetRequiredService<RedisConnection>().Database;
        Assert.NotNull(database); // connected to the TLS-only Redis
        Assert.True((long)await database.ExecuteAsync("DBSIZE") > 0); // answers stored over TLS
    }

    [Fact]
    public async Task Redis_with_a_certificate_from_an_untrusted_CA_is_not_used()
    {
        await using var redis = await RedisServer.StartTlsAsync(TlsDirectory);
        var options = Options.Create(new CacheOptions { Redis = $"localhost:{redis.Port},ssl=true" });

        await using var untrusted = new RedisConnection(options, NullLoggerFactory.Instance, NullLogger<RedisConnection>.Instance);

        Assert.Null(untrusted.Database);
    }

    private async Task<List<(string Name, bool Ssl)>> WorkerConnectionsAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var all = await Broker.ManagementGetAsync("api/connections");
            var ours = all.EnumerateArray()
                .Where(c => c.TryGetProperty("client_properties", out var p) && p.TryGetProperty("connection_name", out var n) && n.GetString()!.StartsWith("promptqueue-worker", StringComparison.Ordinal))
                .Where(c => c.GetProperty("port").GetInt32() == TlsBroker.Port)
                .Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("ssl").GetBoolean()))
                .ToList();
            if (ours.Count >= 2 || attempt >= 20)
            {
                return ours; // the consumer's connection and the result publisher's
            }

            await Task.Delay(500); // connection listings follow the statistics interval
        }
    }
}
