using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;

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
