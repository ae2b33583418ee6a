using System.Diagnostics;
using System.Threading.RateLimiting;
using PromptQueue.Worker.Diagnostics;

namespace PromptQueue.Worker.Providers.Limits;

/// <summary>
/// Everything that decides when a call may go to one endpoint: a <see cref="PriorityGate"/> (slots, most urgent
/// and fairest first) whose size follows <see cref="AdaptiveConcurrency"/>, then the endpoint's requests-per-minute
/// and tokens-per-minute budgets (System.Threading.RateLimiting token buckets refilled continuously, holding ten
/// seconds' worth: providers enforce per-minute limits over shorter windows, so a full minute's burst would be
/// answered 429). A call is charged its prompt tokens plus its output cap, which is
/// how OpenAI counts a request against TPM. Only calls holding a slot wait on the buckets, so the buckets' FIFO
/// queue never reorders urgent work behind bulk work.
/// </summary>
public sealed class EndpointLimiter : IAsyncDisposable
{
    private readonly string _endpoint;
    private readonly PriorityGate _gate;
    private readonly AdaptiveConcurrency? _adaptive;
    private readonly Budget? _requests;
    private readonly Budget? _tokens;
    private readonly WorkerMetrics _metrics;

    public EndpointLimiter(string endpoint, ProviderEndpointOptions options, TimeProvider time, WorkerMetrics metrics)
    {
        _endpoint = endpoint;
        _metrics = metrics;
        if (options.AdaptiveConcurrency)
        {
            _adaptive = new AdaptiveConcurrency(Math.Min(options.MinConcurrency, options.MaxConnectionsPerServer), options.MaxConnectionsPerServer, options.LatencyTolerance, time);
        }

        _gate = new PriorityGate(_adaptive?.Limit ?? options.MaxConnectionsPerServer);

        _requests = options.RequestsPerMinute is { } rpm ? PerMinute(rpm) : null;
        _tokens = options.TokensPerMinute is { } tpm ? PerMinute(tpm) : null;
    }

    public int ConcurrencyLimit => _gate.Limit;

    public int Waiting => _gate.Waiting;

    public int InUse => _gate.InUse;

    /// <summary>Whether the endpoint's last call was refused by its open circuit (for the circuit gauge).</summary>
    public bool CircuitOpen { get; set; }

    /// <summary>Waits for a slot, then for request and token budget. Dispose the lease when the call is over.</summary>
    public async ValueTask<IDisposable> EnterAsync(int priority, string tenant, int tokens, CancellationToken cancellationToken)
    {
        var lease = await _gate.EnterAsync(priority, tenant, cancellationToken);
        try
        {
            await AcquireAsync(_requests, 1, "requests", cancellationToken);
            await AcquireAsync(_tokens, tokens, "tokens", cancellationToken);
            return lease;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>Feeds one HTTP attempt's outcome to the adaptive limit.</summary>
    public void OnAttempt(int? status, TimeSpan latency)
    {
        if (_adaptive is not null)
        {
            var limit = _adaptive.OnAttempt(status, latency, _gate.InUse);
            if (limit != _gate.Limit)
            {
                _gate.Limit = limit;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_requests is not null)
        {
            await _requests.Limiter.DisposeAsync();
        }

        if (_tokens is not null)
        {
            await _tokens.Limiter.DisposeAsync();
        }
    }

    /// <summary>A bucket holding ten seconds' budget, refilled in small steps (at most 600 a minute).</summary>
    private static Budget PerMinute(int perMinute)
    {
        var step = Math.Max(1, perMinute / 600);
        var size = Math.Max(step, perMinute / 6);
        return new Budget(
            new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = size,
                TokensPerPeriod = step,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1) * step / perMinute,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }),
            size);
    }

    private async ValueTask AcquireAsync(Budget? budget, int permits, string kind, CancellationToken cancellationToken)
    {
        if (budget is null)
        {
            return;
        }

        // A call larger than the bucket waits for a full bucket rather than being refused.
        permits = Math.Clamp(permits, 1, budget.Size);
        using (var immediate = budget.Limiter.AttemptAcquire(permits))
        {
            if (immediate.IsAcquired)
            {
                return;
            }
        }

        var started = Stopwatch.GetTimestamp();
        using var lease = await budget.Limiter.AcquireAsync(permits, cancellationToken);
        _metrics.RateLimitWait(_endpoint, kind, Stopwatch.GetElapsedTime(started));
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException($"The {kind} budget of endpoint '{_endpoint}' refused a call of {permits}.");
        }
    }

    private sealed record Budget(TokenBucketRateLimiter Limiter, int Size);
}
