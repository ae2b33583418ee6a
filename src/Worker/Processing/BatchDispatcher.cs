using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Coalescing;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Handles a closed micro-batch: requests that end before any provider call are answered at once; the rest are
/// planned into coalesced groups and dispatched most urgent group first. Each group, and each member's event,
/// finishes on its own, so a slow provider call never holds its neighbours' acknowledgements.
/// </summary>
public sealed partial class BatchDispatcher(RequestProcessor processor, CoalescingPlanner planner, ILogger<BatchDispatcher> logger) : IBatchHandler
{
    public async Task HandleAsync(IReadOnlyList<PendingRequest> batch, CancellationToken stoppingToken)
    {
        var live = new List<PendingRequest>(batch.Count);
        foreach (var request in batch)
        {
            if (processor.Precheck(request) is { } failure)
            {
                _ = processor.CompleteAsync(request, failure); // completes the request; never throws
            }
            else
            {
                live.Add(request);
            }
        }

        // Planning embeds the batch: CPU-bound, blocking work that would starve the thread pool MassTransit and the
        // broker client run on (2 threads on a 2-core machine), so it gets a thread of its own.
        var plan = live.Count == 0 ? [] : await Task.Factory.StartNew(
            () => Plan(live, stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        foreach (var group in plan.OrderByDescending(g => g.Priority).ThenBy(g => g.FirstReceivedAt))
        {
            _ = processor.ExecuteAsync(group); // completes every member; never throws
        }
    }

    private IReadOnlyList<RequestGroup> Plan(List<PendingRequest> live, CancellationToken stoppingToken)
    {
        try
        {
            return planner.Plan(live, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Coalescing saves money; it must never cost an answer. Without a plan every request calls on its own.
            LogPlanningFailed(logger, ex, live.Count);
            return [.. live.Select(RequestGroup.Single)];
        }
    }

    [LoggerMessage(EventId = 1110, Level = LogLevel.Error, Message = "Coalescing failed for a batch of {Count}; each request is sent on its own")]
    private static partial void LogPlanningFailed(ILogger logger, Exception exception, int count);
}
