using System.ComponentModel;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Testcontainers.RabbitMq;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>
/// A real RabbitMQ for the integration tests: the broker named by PROMPTQUEUE_RABBITMQ_URI (scripts/test starts
/// Debian's rabbitmq-server and sets it), else a Testcontainers broker where a Docker engine answers.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private RabbitMqContainer? _container;
    private HttpClient? _management;

    public Uri AmqpUri { get; private set; } = null!;

    public IConnection Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var amqp = Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_URI");
        var management = Environment.GetEnvironmentVariable("PROMPTQUEUE_RABBITMQ_MANAGEMENT");
        if (string.IsNullOrEmpty(amqp) && DockerAnswers())
        {
            _container = new RabbitMqBuilder("rabbitmq:3.13-management").WithPortBinding(15672, true).Build();
            await _container.StartAsync();
            amqp = _container.GetConnectionString();
            management = $"http://guest:guest@{_container.Hostname}:{_container.GetMappedPublicPort(15672)}/";
        }

        if (string.IsNullOrEmpty(amqp))
        {
            throw new InvalidOperationException(
                "No broker: run the suite with scripts/test (it starts RabbitMQ and sets PROMPTQUEUE_RABBITMQ_URI), or on a machine with a Docker engine.");
        }

        AmqpUri = new Uri(amqp);
        var managementUri = new Uri(management ?? "http://guest:guest@127.0.0.1:15672/");
        _management = new HttpClient { BaseAddress = new Uri(managementUri.GetLeftPart(UriPartial.Authority) + "/") };
        var userInfo = Uri.UnescapeDataString(managementUri.UserInfo);
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)));
        Connection = await new ConnectionFactory { Uri = AmqpUri, ClientProvidedName = "promptqueue-integration-tests" }.CreateConnectionAsync();
    }

    public async Task DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }
        _management?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    /// <summary>Queue figures from the management API (refreshed by the broker's statistics interval).</summary>
    public async Task<QueueFigures?> GetQueueAsync(string queue)
    {
        using var response = await _management!.GetAsync($"api/queues/%2F/{Uri.EscapeDataString(queue)}");
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        return new QueueFigures(Read(root, "messages_ready"), Read(root, "messages_unacknowledged"), Read(root, "consumers"));

        static long Read(JsonElement element, string name) => element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
    }

    /// <summary>GET from the management API as JSON, failing the test on an error status.</summary>
    public async Task<JsonElement> ManagementGetAsync(string path)
    {
        using var response = await _management!.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>PUT to the management API (users, permissions), failing the test on an error status.</summary>
    public async Task ManagementPutAsync(string path, object body)
    {
        using var response = await _management!.PutAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    public async Task ManagementDeleteAsync(string path)
    {
        using var response = await _management!.DeleteAsync(path);
    }

    /// <summary>Messages ready in a queue, counted live over AMQP (no statistics delay).</summary>
    public async Task<uint> CountReadyAsync(string queue)
    {
        await using var channel = await Connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }

    /// <summary>Deletes every queue a lane may have: its queue, overflow queue and their error queues.</summary>
    public Task DeleteLaneAsync(string lane) =>
        DeleteQueuesAsync(WireSchema.RequestQueue(lane), WireSchema.RequestQueue(lane) + "_error", WireSchema.OverflowQueue(lane), WireSchema.OverflowQueue(lane) + "_error");

    public async Task DeleteQueuesAsync(params string[] queues)
    {
        foreach (var queue in queues)
        {
            await using var channel = await Connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }
    }

    private static bool DockerAnswers()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", "info") { RedirectStandardOutput = true, RedirectStandardError = true });
            return docker is not null && docker.WaitForExit(10_000) && docker.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }
}

public sealed record QueueFigures(long Ready, long Unacknowledged, long Consumers);

[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "broker";
}
