using System.Text.RegularExpressions;
using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PromptQueue.IntegrationTests.EndToEnd;

/// <summary>The per-tenant broker permissions documented in docs/wire-format.md §6, applied to a real broker.</summary>
public sealed class TenantPermissionTests(BrokerFixture broker) : LaneTestBase(broker, "perm")
{
    private readonly string _password = Guid.NewGuid().ToString("N");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var t = Regex.Escape(Tenant);
        await Broker.ManagementPutAsync($"api/users/{Tenant}", new { password = _password, tags = "" });
        await Broker.ManagementPutAsync($"api/permissions/%2F/{Tenant}", new
        {
            configure = $@"^(amq\.gen-.*|{t}\..*)$",
            write = $@"^(amq\.default|promptqueue\.requests\..*|amq\.gen-.*|{t}\..*)$",
            read = $@"^(promptqueue\.results|amq\.gen-.*|{t}\..*)$",
        });
        await Broker.ManagementPutAsync($"api/topic-permissions/%2F/{Tenant}", new { exchange = WireSchema.ResultsExchange, write = $@"^{t}\.", read = $@"^{t}\." });
    }

    public override async Task DisposeAsync()
    {
        await Broker.ManagementDeleteAsync($"api/users/{Tenant}");
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Tenant_user_cannot_bind_anotherTenants_results_but_gets_its_own()
    {
        await using var worker = await StartWorkerAsync(WorkerHost.Lane(Lane));
        var asTenant = new UriBuilder(Broker.AmqpUri) { UserName = Tenant, Password = _password }.Uri;
        await using var connection = await new ConnectionFactory { Uri = asTenant }.CreateConnectionAsync();

        await AssertRefusedAsync(connection, "globex.#");
        await AssertRefusedAsync(connection, "#");
        await AssertRefusedAsync(connection, "*.succeeded");

        await using var listener = await ResultListener.StartAsync(connection, $"{Tenant}.#");
        await BrokerClient.PublishAsync(connection, Lane, [WorkerHost.Request(Tenant, "allowed")]);
        var events = await listener.WaitForAsync(1, TimeSpan.FromSeconds(30));

        Assert.Equal(Tenant, Assert.Single(events).TenantId);
    }

    private static async Task AssertRefusedAsync(IConnection connection, string bindingKey)
    {
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;

        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueBindAsync(queue, WireSchema.ResultsExchange, bindingKey));

        Assert.Equal((ushort)403, refused.ShutdownReason?.ReplyCode);
    }
}
