namespace PromptQueue.Worker.Providers.Limits;

/// <summary>
/// Additive-increase, multiplicative-decrease concurrency limit for one endpoint, fed by every HTTP attempt, with
/// TCP's slow start: the limit starts at half the cap and grows by one per success (doubling per round of calls)
/// until the first sign of overload, so a worker starting on a backlog does not open every connection at a provider
/// that serves a few, collect a wall of 429s and have all of them retry together after Retry-After. (Starting lower
/// would let a few stalled first calls hold every slot: growth needs successes.) A 429 or 503 while more than a
/// quarter of recent attempts were refused, or recent latency above <c>tolerance ×</c> the long-run latency, shrinks
/// the limit by a quarter (at most once per round of calls, and at most once a second, so one burst of 429s counts
/// once). A provider refusing a steady few percent whatever the load (quota noise, a shared key) would otherwise
/// pin the limit near the minimum: with 10 % of calls refused, pure AIMD settles at a handful of slots; each success grows it by 1/limit (about one slot
/// per round of calls) up to the endpoint's connection cap. Timeouts and connection failures do not shrink it: they
/// say the endpoint is broken rather than busy, which the circuit breaker handles, and a small limit full of stalled
/// calls would stop the endpoint altogether. The latency signal compares two moving
/// averages, so token-proportional variation between single calls averages out; the long one follows lasting
/// shifts, so a provider that is slow for everyone does not pin the limit down. Netflix's concurrency-limits has
/// no .NET port and Polly has no adaptive limiter, hence these few lines.
/// </summary>
public sealed class AdaptiveConcurrency
{
    private const double Decrease = 0.75;
    private const double ShortWeight = 0.1;
    private const double LongWeight = 0.01;
    private const int WarmUpSamples = 20;
    private const double MinimumCooldownSeconds = 1.0;
    private const double RefusedWeight = 0.02;
    private const double RefusedTolerance = 0.25;

    private readonly Lock _lock = new();
    private readonly int _min;
    private readonly int _max;
    private readonly double _latencyTolerance;
    private readonly TimeProvider _time;
    private double _limit;
    private double _shortLatency;
    private double _longLatency;
    private int _samples;
    private long _lastDecrease;
    private bool _slowStart = true;
    private double _refusedShare;

    public AdaptiveConcurrency(int min, int max, double latencyTolerance, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(min, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _min = min;
        _max = max;
        _latencyTolerance = latencyTolerance;
        _time = time;
        _limit = Math.Max(min, (max + 1) / 2);
        _lastDecrease = long.MinValue;
    }

    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return (int)_limit;
            }
        }
    }

    /// <summary>Records one HTTP attempt.</summary>
    /// <param name="status">The response's status code; null when the attempt failed without a response (timeout,
    /// connection), which only counts as no success.</param>
    /// <param name="latency">How long the attempt took.</param>
    /// <param name="inUse">Calls holding a slot now; the limit grows only while at least half of it is used, so a
    /// quiet spell does not let it drift far above what the provider was seen to take.</param>
    /// <returns>The limit after this attempt.</returns>
    public int OnAttempt(int? status, TimeSpan latency, int inUse = int.MaxValue)
    {
        lock (_lock)
        {
            var refused = status is 429 or 503;
            if (status is not null)
            {
                _refusedShare += RefusedWeight * ((refused ? 1.0 : 0.0) - _refusedShare);
            }

            var overloaded = refused && _refusedShare > RefusedTolerance;
            if (status is >= 200 and < 300)
            {
                var seconds = latency.TotalSeconds;
                _shortLatency = _samples == 0 ? seconds : _shortLatency + (ShortWeight * (seconds - _shortLatency));
                _longLatency = _samples == 0 ? seconds : _longLatency + (LongWeight * (seconds - _longLatency));
                _samples++;
                overloaded = _latencyTolerance > 0 && _samples >= WarmUpSamples && _shortLatency > _latencyTolerance * _longLatency;
            }

            if (overloaded)
            {
                _slowStart = false;
                var now = _time.GetTimestamp();
                var cooldown = TimeSpan.FromSeconds(Math.Max(_longLatency, MinimumCooldownSeconds));
                if (_lastDecrease == long.MinValue || _time.GetElapsedTime(_lastDecrease, now) >= cooldown)
                {
                    _limit = Math.Max(_min, Math.Floor(_limit * Decrease));
                    _lastDecrease = now;
                }
            }
            else if (status is >= 200 and < 300 && inUse * 2L >= _limit)
            {
                _limit = Math.Min(_max, _limit + (_slowStart ? 1.0 : 1.0 / Math.Max(1.0, _limit)));
            }

            return (int)_limit;
        }
    }
}
