using MassTransit;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Tenancy;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// One delivery, one consumer call: hands the request to its lane's micro-batcher and returns (so MassTransit
/// acknowledges) only when this request's own result event is confirmed by the broker.
/// </summary>
public sealed class CompletionRequestConsumer(RequestBatcher batcher, TenantPolicy tenants, WorkerMetrics metrics, TimeProvider time)
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
        var pending = new PendingRequest(request, lane, priority, time.GetUtcNow(), context.CancellationToken);
        metrics.RequestStarted(lane);
        try
        {
            await batcher.SubmitAsync(pending);
        }
        finally
        {
            metrics.RequestEnded(lane);
        }
    }
}
