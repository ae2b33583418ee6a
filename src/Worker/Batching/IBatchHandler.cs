namespace PromptQueue.Worker.Batching;

/// <summary>Receives each closed micro-batch. It owns completing every request in it.</summary>
public interface IBatchHandler
{
    Task HandleAsync(IReadOnlyList<PendingRequest> batch, CancellationToken stoppingToken);
}
