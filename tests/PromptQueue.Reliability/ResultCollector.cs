using System.Collections.Concurrent;
using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace PromptQueue.Reliability;

/// <summary>
/// Every result event of one tenant, by RequestId, from a queue bound to "{tenant}.#" on the results exchange.
/// All events are kept: a second event for a request is what the suites look for.
/// </summary>
public sealed class ResultCollector : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<JsonElement>> _events = new(StringComparer.Ordinal);
    private readonly IChannel _channel;

    private ResultCollector(IChannel channel) => _channel = channel;

    /// <summary>Requests that got at least one event.</summary>
    public int Requests => _events.Count;

    public int TotalEvents => _events.Values.Sum(bag => bag.Count);

    public IEnumerable<JsonElement> AllEvents => _events.Values.SelectMany(bag => bag);

    /// <summary>
    /// Starts consuming before anything is published. <paramref name="durableQueue"/>: a named durable queue that keeps
    /// results while this client's connection is closed and recovered (the caller deletes it); otherwise a
    /// server-named exclusive one that goes with the channel.
    /// </summary>
    public static async Task<ResultCollector> StartAsync(IConnection connection, string tenant, string? durableQueue = null)
    {
        var channel = await connection.CreateChannelAsync();
        var queue = durableQueue is null
            ? (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName
            : (await channel.QueueDeclareAsync(durableQueue, durable: true, exclusive: false, autoDelete: false)).QueueName;
        await channel.QueueBindAsync(queue, WireSchema.ResultsExchange, $"{tenant}.#");
        var collector = new ResultCollector(channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            using var document = JsonDocument.Parse(delivery.Body);
            var root = document.RootElement.Clone();
            collector._events.GetOrAdd(root.GetProperty("requestId").GetString() ?? "", _ => []).Add(root);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return collector;
    }

    /// <summary>The events received for a request so far; none for a request still missing.</summary>
    public List<JsonElement> For(string requestId) => _events.TryGetValue(requestId, out var bag) ? [.. bag] : [];

    public bool Has(string requestId) => _events.TryGetValue(requestId, out var bag) && !bag.IsEmpty;

    /// <summary>Requests of <paramref name="requestIds"/> without any event.</summary>
    public int Missing(IEnumerable<string> requestIds) => requestIds.Count(id => !Has(id));

    /// <summary>
    /// Polls until <paramref name="complete"/> holds or <paramref name="timeout"/> has passed, then waits
    /// <paramref name="grace"/> more, since anything arriving late (a second event) counts too.
    /// </summary>
    public static async Task WaitAsync(Func<Task<bool>> complete, TimeSpan timeout, TimeSpan poll, TimeSpan grace)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < timeout && !await complete())
        {
            await Task.Delay(poll);
        }

        await Task.Delay(grace);
    }

    public async ValueTask DisposeAsync() => await _channel.DisposeAsync();
}
