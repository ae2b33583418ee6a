using PromptQueue.Contracts;

namespace PromptQueue.Worker.Publishing;

/// <summary>Publishes a request's terminal event and returns once the broker has confirmed it.</summary>
public interface IResultPublisher
{
    Task PublishAsync(CompletionRequest request, ResultEnvelope result, CancellationToken cancellationToken);
}
