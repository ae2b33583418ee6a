using System.Text.Json;
using PromptQueue.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PromptQueue.Worker.Publishing;

/// <summary>
/// Publishes result events with RabbitMQ.Client directly, with publisher confirms, instead of through MassTransit:
/// MassTransit cannot send through the default exchange (a reply queue the client declared itself, MassTransit
/// issue #2395) and declares topology for every address it sends to, which fails with 406 against a client's own
/// queue. Results are plain JSON; a reply queue that does not exist falls back to the tenant's topic route, and
/// the results exchange has an alternate exchange, so no result is dropped for want of a binding.
/// </summary>
public sealed partial class RabbitMqResultPublisher(ConfirmedChannelPool channels, ILogger<RabbitMqResultPublisher> logger) : IResultPublisher
{
    public async Task PublishAsync(CompletionRequest request, ResultEnvelope result, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(result.Event, result.Event.GetType(), WireJson.Options);
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = $"{request.RequestId}:{result.Outcome}",
            CorrelationId = request.RequestId,
            Type = result.EventType,
            Headers = new Dictionary<string, object?>
            {
                [WireSchema.EventTypeHeader] = result.EventType,
                ["pq-tenant-id"] = request.TenantId,
            },
        };
        var topicKey = WireSchema.ResultRoutingKey(request.TenantId, result.Outcome);

        await channels.PublishAsync(async (channel, ct) =>
        {
            if (!string.IsNullOrEmpty(request.ReplyTo))
            {
                try
                {
                    await channel.BasicPublishAsync("", request.ReplyTo, mandatory: true, properties, body, ct);
                    return;
                }
                catch (PublishReturnException)
                {
                    LogReplyQueueMissing(logger, request.RequestId, request.ReplyTo);
                }
            }

            await channel.BasicPublishAsync(WireSchema.ResultsExchange, topicKey, mandatory: false, properties, body, ct);
        }, cancellationToken);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Reply queue {ReplyTo} of request {RequestId} does not exist; the result goes to the tenant topic instead")]
    private static partial void LogReplyQueueMissing(ILogger logger, string requestId, string replyTo);
}
