namespace PromptQueue.Worker.Batching;

/// <summary>Receives each closed micro-batch. It owns completing every request in it.</summary>
public interface IBatchHandler
{
    /// <summary>
    /// Takes a batch and returns once it is planned and dispatched; each request then completes on its own. The
    /// lane's next window closes only after this returns, so under load batches grow instead of piling up.
    /// </summary>
    Task HandleAsync(IReadOnlyList<PendingRequest> batch, CancellationToken stoppingToken);
}
