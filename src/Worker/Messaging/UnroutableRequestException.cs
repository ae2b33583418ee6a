namespace PromptQueue.Worker.Messaging;

/// <summary>
/// A request whose result could not be delivered to anyone: no valid tenant id and no reply queue. Thrown by the
/// consumer so MassTransit moves the message to the lane's error queue with this reason.
/// </summary>
public sealed class UnroutableRequestException(string message) : Exception(message);
