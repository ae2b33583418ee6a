using Microsoft.Extensions.Options;
using PromptQueue.Worker.Messaging;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// When provider calls must give up: only once the worker is stopping and in-flight requests have had
/// <see cref="MessagingOptions.ConsumerStopTimeout"/> to finish (plus <see cref="Grace"/>). A lost broker channel does not cancel a call: its
/// answer is still stored (cache, idempotency record), so the redelivery that follows is answered from it instead of
/// paying the provider twice.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    /// <summary>How long calls may go on after their deliveries were returned, so their answers are stored for the redeliveries.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _calls = new();

    public ShutdownSignal(IHostApplicationLifetime lifetime, IOptions<MessagingOptions> options)
    {
        Stopping = lifetime.ApplicationStopping;
        // A little after MassTransit has given up on the deliveries (ConsumerStopTimeout): the requests are already
        // back in the queue, so completing them now cannot fault a delivery that is still being consumed.
        lifetime.ApplicationStopping.Register(() => _calls.CancelAfter(options.Value.ConsumerStopTimeout + Grace));
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
