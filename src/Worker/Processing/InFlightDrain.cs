namespace PromptQueue.Worker.Processing;

/// <summary>
/// Keeps the process alive on shutdown until provider calls in progress have finished (or were cancelled when
/// <see cref="ShutdownSignal"/> fired). Registered before MassTransit, so it stops after it: by then no new work
/// arrives, and what is left are calls whose answers will be stored for the redeliveries, even if their own
/// deliveries were lost with a broker connection.
/// </summary>
public sealed partial class InFlightDrain(GroupExecutor executor, ShutdownSignal shutdown, ILogger<InFlightDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (executor.Executing > 0)
        {
            LogDraining(logger, executor.Executing);
        }

        while (executor.Executing > 0 && !cancellationToken.IsCancellationRequested && !shutdown.CallsCancelled.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        // After the signal, cancelled calls still publish nothing but unwind; give them a moment.
        for (var i = 0; i < 40 && executor.Executing > 0 && !cancellationToken.IsCancellationRequested; i++)
        {
            await Task.Delay(50, CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 1230, Level = LogLevel.Information, Message = "Stopping: waiting for {Count} provider calls in progress")]
    private static partial void LogDraining(ILogger logger, int count);
}
