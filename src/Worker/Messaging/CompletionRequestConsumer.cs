using MassTransit;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Tenancy;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// One delivery, one consumer call: hands the request to its lane's micro-batcher and returns (so MassTransit
/// acknowledges) only when this request's own result event is confirmed by the broker. A redelivered request is
/// counted: past <see cref="MessagingOptions.MaxDeliveries"/> it is answered PoisonMessage and moved to the error
/// queue; below it, it is processed on its own, so whatever made it fail cannot take a batch of neighbours along.
/// A tenant over its fair share of a busy lane has the request moved to the lane's overflow queue (see
/// <see cref="LaneFairShare"/>).
/// </summary>
public sealed partial class CompletionRequestConsumer(
    RequestBatcher batcher,
    TenantPolicy tenants,
    DeliveryCounter deliveries,
    IdempotencyStore idempotency,
    RequestProcessor processor,
    LaneFairShare fairShare,
    Publishing.RabbitMqResultPublisher forwarder,
    ShutdownSignal shutdown,
    Microsoft.Extensions.Options.IOptions<MessagingOptions> options,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<CompletionRequestConsumer> logger)
    : IConsumer<CompletionRequest>
{
    public async Task Consume(ConsumeContext<CompletionRequest> context)
    {
        var request = context.Message;
        if (!CompletionRequestValidator.IsValidTenantId(request.TenantId) &&
            (request.ReplyTo is not { } replyTo || !CompletionRequestValidator.IsValidQueueName(replyTo)))
        {
            throw new UnroutableRequestException("The request has no valid tenantId and no replyTo queue, so no result could reach its producer.");
        }

        var lane = LaneNames.FromInputAddress(context.ReceiveContext.InputAddress);
        var priority = tenants.ClampPriority(request.TenantId, request.Priority);
        var pending = new PendingRequest(request, lane, priority, time.GetUtcNow(), context.CancellationToken)
        {
            Redelivered = context.ReceiveContext.Redelivered,
            TraceContext = ProducerTrace(context) ?? System.Diagnostics.Activity.Current?.Context ?? default,
        };
        if (pending.Redelivered)
        {
            var delivery = await deliveries.RedeliveredAsync(request);
            // A request already answered is only republished (the batch path replays it), whatever its count.
            if (delivery > options.Value.MaxDeliveries && await idempotency.FindAsync(request) is null)
            {
                LogPoison(logger, request.RequestId, delivery);
                metrics.PoisonMessage(lane);
                await processor.CompleteAsync(pending, processor.Poison(pending, delivery));
                throw new PoisonMessageException(
                    $"Delivered {delivery} times without an answer (Messaging:MaxDeliveries is {options.Value.MaxDeliveries}): it crashed or stalled the worker each time.");
            }
        }

        var holdsShare = false;
        if (fairShare.Enabled && !pending.Redelivered && !LaneNames.IsOverflow(context.ReceiveContext.InputAddress) &&
            options.Value.EffectiveLanes.TryGetValue(lane, out var laneOptions))
        {
            if (!fairShare.TryEnter(lane, request.TenantId, laneOptions.ConcurrencyLimit))
            {
                await forwarder.ForwardAsync(WireSchema.OverflowQueue(lane), context.ReceiveContext.Body.GetBytes(), (byte)priority,
                    context.MessageId?.ToString() ?? request.RequestId, context.CancellationToken);
                metrics.MovedToOverflow(lane);
                return;
            }

            holdsShare = true;
        }

        metrics.RequestStarted(lane);
        try
        {
            await batcher.SubmitAsync(pending);
        }
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // Given back unanswered because the worker is stopping (it was only waiting for an open circuit, or came
            // in as the batcher closed). Throwing now would be a consumer fault, which moves the message to the
            // error queue; MassTransit returns it to the queue when it cancels the delivery (ConsumerStopTimeout).
            await Task.Delay(Timeout.InfiniteTimeSpan, time, context.CancellationToken);
        }
        finally
        {
            metrics.RequestEnded(lane);
            if (holdsShare)
            {
                fairShare.Exit(lane, request.TenantId);
            }
        }
    }

    /// <summary>
    /// A W3C <c>traceparent</c> (and <c>tracestate</c>) header the producer set: the request's process span continues
    /// that trace. MassTransit itself continues only its own <c>MT-Activity-Id</c> header (same value format).
    /// </summary>
    private static System.Diagnostics.ActivityContext? ProducerTrace(ConsumeContext context) =>
        context.ReceiveContext.TransportHeaders.Get<string>("traceparent") is { Length: > 0 } traceParent &&
        System.Diagnostics.ActivityContext.TryParse(traceParent, context.ReceiveContext.TransportHeaders.Get<string>("tracestate"), isRemote: true, out var parsed)
            ? parsed
            : null;

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Request {RequestId} is a poison message (delivery {Delivery}); answered PoisonMessage and moved to the error queue")]
    private static partial void LogPoison(ILogger logger, string requestId, int delivery);
}
