namespace PromptQueue.Worker.Providers.Limits;

/// <summary>
/// Lets at most <see cref="Limit"/> calls through to an endpoint and, when all slots are busy, admits waiters most
/// urgent first and, within a priority, tenants in turn (start-time fair queuing: each call of a tenant is tagged
/// after that tenant's previous one, so a tenant with a flood of waiting calls gets one slot per turn like a tenant
/// with one). Without it, calls beyond the connection pool wait inside SocketsHttpHandler in arrival order, where an
/// urgent request or a small tenant queues behind bulk work. System.Threading.RateLimiting's ConcurrencyLimiter
/// queues only oldest- or newest-first and has a fixed limit, hence this small class. The limit can change while
/// calls run (adaptive concurrency): lowering it lets running calls finish and admits nobody until below it.
/// </summary>
public sealed class PriorityGate
{
    private const int TenantTagsCleanupThreshold = 4096;

    private readonly Lock _lock = new();
    private readonly PriorityQueue<Waiter, (int Priority, long Tag, long Sequence)> _waiters = new();
    private readonly Dictionary<string, long> _tenantFinishTags = new(StringComparer.Ordinal);
    private int _limit;
    private int _inUse;
    private long _sequence;
    private long _virtualTime;

    public PriorityGate(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
    }

    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_lock)
            {
                _limit = value;
                AdmitWaiters();
            }
        }
    }

    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    public ValueTask<IDisposable> EnterAsync(int priority, CancellationToken cancellationToken) =>
        EnterAsync(priority, "", cancellationToken);

    public async ValueTask<IDisposable> EnterAsync(int priority, string tenant, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            var tag = Math.Max(_virtualTime, _tenantFinishTags.GetValueOrDefault(tenant));
            _tenantFinishTags[tenant] = tag + 1;
            if (_inUse < _limit && _waiters.Count == 0)
            {
                _inUse++;
                _virtualTime = Math.Max(_virtualTime, tag);
                return new Lease(this);
            }

            waiter = new Waiter(tag);
            _waiters.Enqueue(waiter, (-priority, tag, _sequence++));
            ForgetIdleTenants();
            AdmitWaiters(); // slots may be free behind waiters that were cancelled
        }

        await using (cancellationToken.Register(static w => ((Waiter)w!).Completion.TrySetCanceled(), waiter))
        {
            await waiter.Completion.Task;
        }

        return new Lease(this);
    }

    private void Release()
    {
        lock (_lock)
        {
            _inUse--;
            AdmitWaiters();
        }
    }

    /// <summary>Hands free slots to the most urgent, fairest waiters still waiting. Caller holds the lock.</summary>
    private void AdmitWaiters()
    {
        while (_inUse < _limit && _waiters.TryDequeue(out var next, out _))
        {
            if (next.Completion.TrySetResult())
            {
                _inUse++;
                _virtualTime = Math.Max(_virtualTime, next.Tag);
            }
        }
    }

    /// <summary>Tenants whose last tag is behind the virtual clock start afresh anyway; drop them so the map stays small.</summary>
    private void ForgetIdleTenants()
    {
        if (_tenantFinishTags.Count < TenantTagsCleanupThreshold)
        {
            return;
        }

        foreach (var (tenant, finish) in _tenantFinishTags.ToList())
        {
            if (finish <= _virtualTime)
            {
                _tenantFinishTags.Remove(tenant);
            }
        }
    }

    private sealed class Waiter(long tag)
    {
        public long Tag { get; } = tag;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(PriorityGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
