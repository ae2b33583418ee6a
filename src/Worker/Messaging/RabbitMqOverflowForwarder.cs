using PromptQueue.Worker.Publishing;
using RabbitMQ.Client;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// Republishes the request's original body, unchanged, through the worker's confirmed channels (the same connection
/// as results): MassTransit's send would wrap it in its envelope and declare the queue, and the queue's arguments
/// (x-max-priority) belong to the lane's receive endpoint.
/// </summary>
public sealed class RabbitMqOverflowForwarder(ConfirmedChannelPool channels) : IOverflowForwarder
{
    public async Task ForwardAsync(string queue, ReadOnlyMemory<byte> body, byte priority, string messageId, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId,
            Priority = priority,
        };
        await channels.PublishAsync((channel, ct) => channel.BasicPublishAsync("", queue, mandatory: true, properties, body, ct), cancellationToken);
    }
}
