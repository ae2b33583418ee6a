using PromptQueue.Worker.Providers.Limits;

namespace PromptQueue.Worker.Tests.Providers;

public class PriorityGateTests
{
    [Fact]
    public async Task When_all_slots_are_busy_the_most_urgent_waiter_goes_next()
    {
        var gate = new PriorityGate(1);
        var first = await gate.EnterAsync(0, CancellationToken.None);
        var bulk = gate.EnterAsync(1, CancellationToken.None).AsTask();
        var urgent = gate.EnterAsync(9, CancellationToken.None).AsTask();

        first.Dispose();
        var next = await urgent.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(bulk.IsCompleted);
        next.Dispose();
        (await bulk.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task Equal_priorities_go_in_arrival_order_and_cancelled_waiters_are_skipped()
    {
        var gate = new PriorityGate(1);
        var holder = await gate.EnterAsync(5, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(5, cancel.Token).AsTask();
        var second = gate.EnterAsync(5, CancellationToken.None).AsTask();
        var third = gate.EnterAsync(5, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        holder.Dispose();

        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Permits_are_not_exceeded()
    {
        var gate = new PriorityGate(3);
        var inside = 0;
        var most = 0;
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using (await gate.EnterAsync(i % 10, CancellationToken.None))
            {
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref most, now);
                await Task.Delay(1);
                Interlocked.Decrement(ref inside);
            }
        }));

        Assert.InRange(most, 1, 3);
    }

    [Fact]
    public async Task Within_a_priority_tenants_take_turns_so_a_flood_cannot_starve_a_trickle()
    {
        var gate = new PriorityGate(1);
        var holder = await gate.EnterAsync(5, "flood", CancellationToken.None);
        var order = new List<string>();
        var waiting = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            waiting.Add(EnterAndRecord("flood"));
        }

        waiting.Add(EnterAndRecord("trickle"));
        holder.Dispose();
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));

        // The trickle's one call waited behind one flood call (the flood's next turn), not behind twenty.
        Assert.InRange(order.IndexOf("trickle"), 0, 1);

        async Task EnterAndRecord(string tenant)
        {
            using (await gate.EnterAsync(5, tenant, CancellationToken.None))
            {
                lock (order)
                {
                    order.Add(tenant);
                }

                await Task.Yield();
            }
        }
    }

    [Fact]
    public async Task Lowering_the_limit_lets_running_calls_finish_and_raising_it_admits_waiters()
    {
        var gate = new PriorityGate(3);
        var running = new List<IDisposable>();
        for (var i = 0; i < 3; i++)
        {
            running.Add(await gate.EnterAsync(0, CancellationToken.None));
        }

        gate.Limit = 1;
        var waiter = gate.EnterAsync(0, CancellationToken.None).AsTask();
        running[0].Dispose();
        running[1].Dispose();
        Assert.False(waiter.IsCompleted); // still one running, limit 1
        running[2].Dispose();
        var admitted = await waiter.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, gate.InUse);

        var more = gate.EnterAsync(0, CancellationToken.None).AsTask();
        Assert.False(more.IsCompleted);
        gate.Limit = 2;
        (await more.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        admitted.Dispose();
        Assert.Equal(0, gate.InUse);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
