using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace PromptQueue.IntegrationTests.Infrastructure;

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
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
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
