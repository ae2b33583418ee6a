using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Messaging;

namespace PromptQueue.Worker.Batching;

/// <summary>
/// Gathers requests of each lane into micro-batches (size and time limits per lane) and hands each closed batch to
/// the <see cref="IBatchHandler"/>; the next window opens once that batch is planned (not answered), so while one
/// batch is being embedded the next one fills up.
/// MassTransit's <c>Batch&lt;T&gt;</c> consumer is not used on purpose: it acknowledges a whole batch when the
/// consumer returns, so one slow provider call would hold every finished neighbour unacknowledged.
/// </summary>
public sealed partial class RequestBatcher(
    IOptions<MessagingOptions> options,
    IBatchHandler handler,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<RequestBatcher> logger) : BackgroundService
{
    private const int PlanningDepth = 2;

    private readonly ConcurrentDictionary<string, Channel<PendingRequest>> _lanes = new(StringComparer.Ordinal);
    private CancellationToken _stopping;

    /// <summary>Queues a request for the next window of its lane and waits until its result is confirmed.</summary>
    public async Task SubmitAsync(PendingRequest request)
    {
        if (request.Redelivered)
        {
            // A redelivery may be what crashed or stalled a worker: it gets a batch of its own.
            metrics.BatchClosed(request.Lane, 1);
            request.BatchedAt = time.GetUtcNow();
            await HandleSafelyAsync([request], _stopping);
            await request.Completion.WaitAsync(request.Cancellation);
            return;
        }

        var channel = _lanes.GetOrAdd(request.Lane, static _ => Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true }));
        if (!channel.Writer.TryWrite(request))
        {
            throw new OperationCanceledException("The worker is stopping; the request goes back to the queue.");
        }

        await request.Completion.WaitAsync(request.Cancellation);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var loops = options.Value.EffectiveLanes.Select(lane =>
        {
            var channel = _lanes.GetOrAdd(lane.Key, static _ => Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true }));
            return RunLaneAsync(lane.Key, lane.Value, channel.Reader, stoppingToken);
        });
        return Task.WhenAll(loops);
    }

    private async Task RunLaneAsync(string lane, LaneOptions laneOptions, ChannelReader<PendingRequest> reader, CancellationToken stoppingToken)
    {
        var batch = new List<PendingRequest>(laneOptions.BatchMaxSize);
        // Two batches may be in planning at once: while one runs the model on every core, the next is tokenised
        // and fingerprinted, so the cores do not idle between batches.
        var planning = new SemaphoreSlim(PlanningDepth, PlanningDepth); // not disposed: a last release may follow the loop
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await FillWindowAsync(reader, batch, laneOptions, stoppingToken);
                var closedAt = time.GetUtcNow();
                foreach (var request in batch)
                {
                    request.BatchedAt = closedAt;
                }

                metrics.BatchClosed(lane, batch.Count);
                await planning.WaitAsync(stoppingToken);
                PendingRequest[] closed = [.. batch];
                _ = HandleSafelyAsync(closed, stoppingToken).ContinueWith(_ => planning.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Requests still waiting for a window are cancelled: their consumers return them to the queue.
            while (reader.TryRead(out var request))
            {
                request.Cancel();
            }

            foreach (var request in batch)
            {
                request.Cancel();
            }
        }
    }

    private async Task FillWindowAsync(ChannelReader<PendingRequest> reader, List<PendingRequest> batch, LaneOptions lane, CancellationToken stoppingToken)
    {
        var windowEnds = time.GetUtcNow() + lane.BatchWindow;
        while (batch.Count < lane.BatchMaxSize)
        {
            if (reader.TryRead(out var request))
            {
                batch.Add(request);
                continue;
            }

            var remaining = windowEnds - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var window = new CancellationTokenSource(remaining, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, window.Token);
            try
            {
                if (!await reader.WaitToReadAsync(linked.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task HandleSafelyAsync(PendingRequest[] batch, CancellationToken stoppingToken)
    {
        try
        {
            // Off the lane loop's thread: planning embeds the batch.
            await Task.Run(() => handler.HandleAsync(batch, stoppingToken), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The handler completes each request itself; this only catches a defect in it, so no request is left hanging.
            LogBatchHandlerFailed(logger, ex, batch.Length);
            foreach (var request in batch)
            {
                request.Fail(ex);
            }
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Batch handler failed for a batch of {Count} requests")]
    private static partial void LogBatchHandlerFailed(ILogger logger, Exception exception, int count);
}
