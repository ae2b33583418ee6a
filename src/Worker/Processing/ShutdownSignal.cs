using Microsoft.Extensions.Options;
using PromptQueue.Worker.Messaging;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// When provider calls must give up: only once the worker is stopping and in-flight requests have had
/// <see cref="MessagingOptions.ConsumerStopTimeout"/> to finish. A lost broker channel does not cancel a call: its
/// answer is still stored (cache, idempotency record), so the redelivery that follows is answered from it instead of
/// paying the provider twice.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _calls = new();

    public ShutdownSignal(IHostApplicationLifetime lifetime, IOptions<MessagingOptions> options)
    {
        Stopping = lifetime.ApplicationStopping;
        lifetime.ApplicationStopping.Register(() => _calls.CancelAfter(options.Value.ConsumerStopTimeout));
    }

    private ShutdownSignal()
    {
    }

    /// <summary>A signal that never fires (unit tests).</summary>
    public static ShutdownSignal Never => new();

    public CancellationToken CallsCancelled => _calls.Token;

    /// <summary>The worker began to stop: work that is only waiting (not calling) goes back to the queue at once.</summary>
    public CancellationToken Stopping { get; } = CancellationToken.None;

    public void Dispose() => _calls.Dispose();
}
