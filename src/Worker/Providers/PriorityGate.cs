namespace PromptQueue.Worker.Providers;

/// <summary>
/// Lets at most N calls through to an endpoint (N = its MaxConnectionsPerServer) and, when all are busy, admits
/// waiters most urgent first. Without it, calls beyond the connection pool wait inside SocketsHttpHandler in
/// arrival order, where an urgent request queues behind bulk work. System.Threading.RateLimiting's
/// ConcurrencyLimiter queues only oldest- or newest-first, hence this small class.
/// </summary>
public sealed class PriorityGate(int permits)
{
    private readonly Lock _lock = new();
    private readonly PriorityQueue<Waiter, (int, long)> _waiters = new();
    private int _available = permits;
    private long _sequence;

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

    public async ValueTask<IDisposable> EnterAsync(int priority, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_available > 0)
            {
                _available--;
                return new Lease(this);
            }

            waiter = new Waiter();
            _waiters.Enqueue(waiter, (-priority, _sequence++));
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
            while (_waiters.TryDequeue(out var next, out _))
            {
                if (next.Completion.TrySetResult())
                {
                    return; // the permit passes straight to the most urgent waiter still waiting
                }
            }

            _available++;
        }
    }

    private sealed class Waiter
    {
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
