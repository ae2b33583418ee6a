using System.Diagnostics;

namespace PromptQueue.Worker.Providers;

/// <summary>
/// Counts each HTTP attempt the resilience pipeline makes and reports its status and latency to the endpoint's
/// adaptive concurrency limit (429s, 503s and rising latency shrink it; successes grow it back). A call keeps its
/// endpoint slot while it waits to retry: after a 429 that wait is the backpressure the provider asked for.
/// </summary>
public sealed class AttemptCountingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(AttemptCounter.Key, out var counter))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        counter.Increment();
        var started = Stopwatch.GetTimestamp();
        // Only answered attempts teach the limit anything: a timeout or a connection failure means broken, not busy
        // (the circuit breaker's case), so an exception just passes through.
        var response = await base.SendAsync(request, cancellationToken);
        counter.Limiter?.OnAttempt((int)response.StatusCode, Stopwatch.GetElapsedTime(started));
        return response;
    }
}
