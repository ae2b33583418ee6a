using System.Diagnostics;
using MassTransit;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Tenancy;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// One delivery, one consumer call: hands the request to its lane's micro-batcher and returns (so MassTransit
/// acknowledges) only when this request's own result event is confirmed by the broker. A redelivered request is
/// counted (<see cref="RedeliveryGuard"/>): past the limit it is answered PoisonMessage and moved to the error
/// queue; below it, it is processed on its own, so whatever made it fail cannot take a batch of neighbours along.
/// A tenant over its fair share of a busy lane has the request moved to the lane's overflow queue
/// (<see cref="FairShareAdmission"/>).
/// </summary>
public sealed class CompletionRequestConsumer(
    RequestBatcher batcher,
    TenantPolicy tenants,
    RedeliveryGuard redeliveries,
    FairShareAdmission admission,
    ShutdownSignal shutdown,
    WorkerMetrics metrics,
    TimeProvider time)
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
            TraceContext = ProducerTrace(context) ?? Activity.Current?.Context ?? default,
        };
        await redeliveries.CheckAsync(pending);
        using var share = await admission.AdmitAsync(context, pending);
        if (share is null)
        {
            return; // moved to the overflow queue
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
        }
    }

    /// <summary>
    /// A W3C <c>traceparent</c> (and <c>tracestate</c>) header the producer set: the request's process span continues
    /// that trace. MassTransit itself continues only its own <c>MT-Activity-Id</c> header (same value format).
    /// </summary>
    private static ActivityContext? ProducerTrace(ConsumeContext context) =>
        context.ReceiveContext.TransportHeaders.Get<string>("traceparent") is { Length: > 0 } traceParent &&
        ActivityContext.TryParse(traceParent, context.ReceiveContext.TransportHeaders.Get<string>("tracestate"), isRemote: true, out var parsed)
            ? parsed
            : null;
}
