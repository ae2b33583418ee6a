using PromptQueue.Worker.Providers;

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

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
