using Microsoft.Extensions.Options;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Processing;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// Counts redeliveries of a request (a worker crashed, stalled or lost its channel while holding it). Past
/// <see cref="MessagingOptions.MaxDeliveries"/>, a request that was never answered is a poison message: it gets its
/// PoisonMessage event and goes to the error queue, so it cannot take a worker down again.
/// </summary>
public sealed partial class RedeliveryGuard(
    DeliveryCounter deliveries,
    IdempotencyStore idempotency,
    RequestCompleter completer,
    ResultEventFactory events,
    IOptions<MessagingOptions> options,
    WorkerMetrics metrics,
    ILogger<RedeliveryGuard> logger)
{
    /// <summary>Returns when the request may be processed; throws <see cref="PoisonMessageException"/> after answering it when not.</summary>
    public async Task CheckAsync(PendingRequest pending)
    {
        if (!pending.Redelivered)
        {
            return;
        }

        var request = pending.Request;
        var delivery = await deliveries.RedeliveredAsync(request);
        // A request already answered is only republished (the batch path replays it), whatever its count.
        if (delivery > options.Value.MaxDeliveries && await idempotency.FindAsync(request) is null)
        {
            LogPoison(logger, request.RequestId, delivery);
            metrics.PoisonMessage(pending.Lane);
            await completer.CompleteAsync(pending, events.Poison(pending, delivery));
            throw new PoisonMessageException(
                $"Delivered {delivery} times without an answer (Messaging:MaxDeliveries is {options.Value.MaxDeliveries}): it crashed or stalled the worker each time.");
        }
    }

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Request {RequestId} is a poison message (delivery {Delivery}); answered PoisonMessage and moved to the error queue")]
    private static partial void LogPoison(ILogger logger, string requestId, int delivery);
}
