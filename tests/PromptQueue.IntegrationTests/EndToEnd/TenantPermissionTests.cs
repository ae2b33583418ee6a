using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PromptQueue.IntegrationTests.EndToEnd;

/// <summary>The per-tenant broker permissions documented in docs/wire-format.md §6, applied to a real broker.</summary>
[Collection(BrokerCollection.Name)]
public sealed class TenantPermissionTests(BrokerFixture broker) : IAsyncLifetime
{
    private readonly string _lane = TestPaths.UniqueName("perm");
    private readonly string _tenant = TestPaths.UniqueName("acme");
    private readonly string _password = Guid.NewGuid().ToString("N");
    private SimulatorHost _simulator = null!;

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        var t = System.Text.RegularExpressions.Regex.Escape(_tenant);
        await broker.ManagementPutAsync($"api/users/{_tenant}", new { password = _password, tags = "" });
        await broker.ManagementPutAsync($"api/permissions/%2F/{_tenant}", new
        {
            configure = $@"^(amq\.gen-.*|{t}\..*)$",
            write = $@"^(amq\.default|promptqueue\.requests\..*|amq\.gen-.*|{t}\..*)$",
            read = $@"^(promptqueue\.results|amq\.gen-.*|{t}\..*)$",
        });
        await broker.ManagementPutAsync($"api/topic-permissions/%2F/{_tenant}", new { exchange = WireSchema.ResultsExchange, write = $@"^{t}\.", read = $@"^{t}\." });
    }

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        await broker.ManagementDeleteAsync($"api/users/{_tenant}");
        await broker.DeleteQueuesAsync(WireSchema.RequestQueue(_lane));
    }

    [Fact]
    public async Task Tenant_user_cannot_bind_another_tenants_results_but_gets_its_own()
    {
        await using var worker = await WorkerHost.StartAsync(broker.AmqpUri, _simulator.ApiUrl, WorkerHost.Lane(_lane));
        var asTenant = new UriBuilder(broker.AmqpUri) { UserName = _tenant, Password = _password }.Uri;
        await using var connection = await new ConnectionFactory { Uri = asTenant }.CreateConnectionAsync();

        await AssertRefusedAsync(connection, "globex.#");
        await AssertRefusedAsync(connection, "#");
        await AssertRefusedAsync(connection, "*.succeeded");

        await using var listener = await ResultListener.StartAsync(connection, $"{_tenant}.#");
        await BrokerClient.PublishAsync(connection, _lane, [WorkerHost.Request(_tenant, "allowed")]);
        var events = await listener.WaitForAsync(1, TimeSpan.FromSeconds(30));

        Assert.Equal(_tenant, Assert.Single(events).TenantId);
    }

    private static async Task AssertRefusedAsync(IConnection connection, string bindingKey)
    {
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;

        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueBindAsync(queue, WireSchema.ResultsExchange, bindingKey));

        Assert.Equal((ushort)403, refused.ShutdownReason?.ReplyCode);
    }
}
