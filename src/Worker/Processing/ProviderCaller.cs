using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Processing;

/// <summary>
/// Makes a group's one provider call: bounded by its members' deadlines, independent of their deliveries, and held
/// (not failed) while every endpoint of the model has an open circuit.
/// </summary>
public sealed partial class ProviderCaller(
    ProviderRouter providers,
    ShutdownSignal shutdown,
    WorkerMetrics metrics,
    TimeProvider time,
    IOptionsMonitor<ProvidersOptions> providerOptions,
    ILogger<ProviderCaller> logger)
{
    /// <summary>The call's result, or null when every member's deadline passed during the call.</summary>
    public async Task<ProviderCallResult?> CallAsync(RequestGroup group)
    {
        // The call may run until the latest deadline of its members (none if any member has none); a member whose
        // own deadline passes first is answered Expired when the result comes.
        var deadlines = group.Members.Select(m => m.Request.Request.Deadline).ToList();
        // Not the delivery's token: a lost channel must not waste a call whose answer the redelivery can reuse.
        using var callScope = CancellationTokenSource.CreateLinkedTokenSource(shutdown.CallsCancelled);
        if (deadlines.All(d => d is not null))
        {
            var remaining = deadlines.Max()!.Value - time.GetUtcNow();
            callScope.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        try
        {
            var call = await providers.CompleteAsync(group.Leader.Request, group.Priority, callScope.Token);
            var resilience = providerOptions.CurrentValue.Resilience;
            var waitUntil = time.GetUtcNow() + resilience.MaxCircuitWait;
            var attempts = call.Attempts;
            while (call.CircuitOpen && time.GetUtcNow() < waitUntil)
            {
                // Every endpoint of the model is broken: hold the request (and its delivery) rather than fail it,
                // and try again when a circuit half-opens. Held requests fill the lane's concurrency, so the lane
                // stops taking work from the queue until the provider is back.
                metrics.CircuitWait(group.Leader.Request.Model);
                LogCircuitWait(logger, group.Leader.Request.RequestId, group.Leader.Request.Model);
                using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(callScope.Token, shutdown.Stopping))
                {
                    await Task.Delay(resilience.CircuitBreakDuration, time, waiting.Token);
                }
                call = await providers.CompleteAsync(group.Leader.Request, group.Priority, callScope.Token);
                attempts += call.Attempts;
                call = call with { Attempts = attempts };
            }

            metrics.ProviderCalled(call.Endpoint, call.Failure?.ToString() ?? "ok", call.Elapsed);
            if (!call.Succeeded)
            {
                LogProviderFailed(logger, group.Leader.Request.RequestId, call.Failure, call.Attempts);
            }

            return call;
        }
        catch (OperationCanceledException) when (!shutdown.CallsCancelled.IsCancellationRequested && callScope.IsCancellationRequested)
        {
            return null; // every member's deadline passed during the call
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Request {RequestId} failed at the provider with {Failure} after {Attempts} attempts")]
    private static partial void LogProviderFailed(ILogger logger, string requestId, FailureCode? failure, int attempts);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Request {RequestId} waits: every endpoint of model {Model} has an open circuit")]
    private static partial void LogCircuitWait(ILogger logger, string requestId, string model);
}
