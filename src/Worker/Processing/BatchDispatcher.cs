using PromptQueue.Worker.Batching;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Starts the requests of a closed micro-batch in priority order (then arrival) and lets each finish on its own,
/// so a slow provider call never holds its neighbours' acknowledgements.
/// </summary>
public sealed class BatchDispatcher(RequestProcessor processor) : IBatchHandler
{
    public Task HandleAsync(IReadOnlyList<PendingRequest> batch, CancellationToken stoppingToken)
    {
        var ordered = batch.OrderByDescending(r => r.Priority).ThenBy(r => r.ReceivedAt);
        return Task.WhenAll(ordered.Select(processor.ProcessAsync).ToArray());
    }
}
