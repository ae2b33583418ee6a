using MassTransit;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// Takes a delivery into its lane, or moves it to the lane's overflow queue when its tenant is over its fair share
/// of a busy lane (<see cref="LaneFairShare"/>). Redeliveries and what comes from the overflow queue are always taken.
/// </summary>
public sealed class FairShareAdmission(LaneFairShare fairShare, IOverflowForwarder forwarder, IOptions<MessagingOptions> options, WorkerMetrics metrics)
{
    /// <summary>
    /// The lane slot the request holds (dispose it when the request ends), or null when the request was moved to
    /// the overflow queue (confirmed, so the delivery may be acknowledged).
    /// </summary>
    public async Task<LaneShare?> AdmitAsync(ConsumeContext<CompletionRequest> context, PendingRequest pending)
    {
        if (!fairShare.Enabled || pending.Redelivered || LaneNames.IsOverflow(context.ReceiveContext.InputAddress) ||
            !options.Value.EffectiveLanes.TryGetValue(pending.Lane, out var laneOptions))
        {
            return LaneShare.Untracked;
        }

        if (fairShare.TryEnter(pending.Lane, pending.Request.TenantId, laneOptions.ConcurrencyLimit))
        {
            return new LaneShare(fairShare, pending.Lane, pending.Request.TenantId);
        }

        await forwarder.ForwardAsync(WireSchema.OverflowQueue(pending.Lane), context.ReceiveContext.Body.GetBytes(), (byte)pending.Priority,
            context.MessageId?.ToString() ?? pending.Request.RequestId, context.CancellationToken);
        metrics.MovedToOverflow(pending.Lane);
        return null;
    }
}
