namespace PromptQueue.Worker.Messaging;

/// <summary>Moves a request to another queue (a lane's overflow queue) so its original delivery may be acknowledged.</summary>
public interface IOverflowForwarder
{
    /// <summary>Returns once the broker confirmed the copy; throws when the queue does not exist.</summary>
    Task ForwardAsync(string queue, ReadOnlyMemory<byte> body, byte priority, string messageId, CancellationToken cancellationToken);
}
