using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Tests.Embeddings;

public sealed class ModelRunnersTests
{
    [Fact]
    public async Task Every_part_runs_on_a_runner_thread_and_the_task_ends_after_the_last()
    {
        using var runners = new ModelRunners(2);
        var threads = new System.Collections.Concurrent.ConcurrentBag<string?>();
        var done = 0;

        await runners.RunAsync([.. Enumerable.Range(0, 10).Select(_ => (Action)(() =>
        {
            threads.Add(Thread.CurrentThread.Name);
            Thread.Sleep(5);
            Interlocked.Increment(ref done);
        }))], CancellationToken.None);

        Assert.Equal(10, done);
        Assert.All(threads, name => Assert.StartsWith("model-run-", name));
    }

    [Fact]
    public async Task A_failing_part_fails_the_call_after_the_others_finished()
    {
        using var runners = new ModelRunners(1);
        var finished = 0;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => runners.RunAsync(
            [() => throw new InvalidOperationException("bad run"), () => Interlocked.Increment(ref finished)], CancellationToken.None));

        Assert.Equal("bad run", failure.Message);
        Assert.Equal(1, finished);
    }

    [Fact]
    public void Cancelled_calls_skip_what_has_not_started_and_throw()
    {
        using var runners = new ModelRunners(1);
        using var cancel = new CancellationTokenSource();
        var ran = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => runners.Run(
            [() => { cancel.Cancel(); Interlocked.Increment(ref ran); }, () => Interlocked.Increment(ref ran)], cancel.Token));

        Assert.Equal(1, ran);
    }

    [Fact]
    public async Task No_parts_complete_at_once()
    {
        using var runners = new ModelRunners(1);
        await runners.RunAsync([], CancellationToken.None);
    }
}
