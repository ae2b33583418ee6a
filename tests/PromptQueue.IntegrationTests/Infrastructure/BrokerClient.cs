using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>What a producer does on the wire: raw JSON requests in, result events out. No MassTransit.</summary>
public static class BrokerClient
{
    public static async Task PublishAsync(IConnection connection, string lane, IEnumerable<CompletionRequest> requests)
    {
        await PublishRawAsync(connection, lane, requests.Select(r => (JsonSerializer.SerializeToUtf8Bytes(r, WireJson.Options), (byte)Math.Clamp(r.Priority, 0, 9))));
    }

    public static async Task PublishRawAsync(IConnection connection, string lane, IEnumerable<(byte[] Body, byte Priority)> messages)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var pending = new List<Task>();
        foreach (var (body, priority) in messages)
        {
            var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, Priority = priority };
            pending.Add(channel.BasicPublishAsync("", WireSchema.RequestQueue(lane), mandatory: true, properties, body).AsTask());
            if (pending.Count >= 100)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
    }

    /// <summary>
    /// Declares the lane queue exactly as workers do (classic, durable, x-max-priority 9), so a backlog can be
    /// published before any worker runs.
    /// </summary>
    public static async Task DeclareLaneAsync(IConnection connection, string lane)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(WireSchema.RequestQueue(lane), durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-max-priority"] = WireSchema.MaxPriority });
    }
}

/// <summary>An exclusive queue bound to one tenant's results (or used as a reply queue), collecting every event.</summary>
public sealed class ResultListener : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<ResultEvent> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private ResultListener(IChannel channel, string queue)
    {
        _channel = channel;
        Queue = queue;
    }

    public string Queue { get; }

    public IReadOnlyCollection<ResultEvent> Events => _events;

    public static async Task<ResultListener> StartAsync(IConnection connection, string? tenantBinding)
    {
        var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        if (tenantBinding is not null)
        {
            await EnsureResultsExchangeAsync(connection);
            await channel.QueueBindAsync(queue, WireSchema.ResultsExchange, tenantBinding);
        }

        var listener = new ResultListener(channel, queue);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            listener.Add(delivery.Body.ToArray(), delivery.RoutingKey);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return listener;
    }

    /// <summary>
    /// Checks the results exchange passively, as the wire format asks clients to; declares it exactly as workers do
    /// only when no worker has run on this broker yet.
    /// </summary>
    private static async Task EnsureResultsExchangeAsync(IConnection connection)
    {
        try
        {
            await using var probe = await connection.CreateChannelAsync();
            await probe.ExchangeDeclarePassiveAsync(WireSchema.ResultsExchange);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            await using var declare = await connection.CreateChannelAsync();
            await declare.ExchangeDeclareAsync(WireSchema.ResultsExchange, ExchangeType.Topic, durable: true, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["alternate-exchange"] = WireSchema.ResultsExchange + ".unrouted" });
        }
    }

    public async Task<IReadOnlyList<ResultEvent>> WaitForAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (_events.Count < count)
            {
                await _arrived.WaitAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The caller asserts on what arrived.
        }

        return [.. _events];
    }

    private void Add(byte[] body, string routingKey)
    {
        using var document = JsonDocument.Parse(body);
        _events.Enqueue(new ResultEvent(document.RootElement.Clone(), routingKey, Encoding.UTF8.GetString(body)));
        _arrived.Release();
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _channel.DisposeAsync();
        _arrived.Dispose();
    }
}

public sealed record ResultEvent(JsonElement Json, string RoutingKey, string Raw)
{
    public string RequestId => Json.GetProperty("requestId").GetString()!;

    public string TenantId => Json.GetProperty("tenantId").GetString()!;

    public string Outcome => Json.GetProperty("outcome").GetString()!;

    public string? ErrorCode => Json.TryGetProperty("errorCode", out var c) ? c.GetString() : null;

    public int Attempts => Json.TryGetProperty("attempts", out var a) ? a.GetInt32() : 0;

    public int Priority => Json.TryGetProperty("priority", out var p) ? p.GetInt32() : 0;

    public string? Metadata(string key) => Json.TryGetProperty("metadata", out var m) && m.TryGetProperty(key, out var v) ? v.GetString() : null;
}
