using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Embeddings;

/// <summary>
/// The long-lived threads every local model run goes to (the embedder's and the pair verifier's), one per concurrent
/// run. Never the thread pool: blocking ONNX Runtime calls there starve the broker client. Never threads made per
/// call: every new thread that calls ONNX Runtime takes a glibc malloc arena of its own, and with a thread per batch
/// the worker's peak resident memory differed by up to 130 MB between identical runs (W4 in docs/benchmarks.md).
/// Sharing the threads also keeps the two models from running more passes at once than there are cores.
/// </summary>
public sealed class ModelRunners : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread[] _threads;
    private int _disposed;

    public ModelRunners(IOptions<EmbeddingOptions> options)
        : this(options.Value.ConcurrentRuns)
    {
    }

    /// <param name="count">Threads; 0: one per processor core.</param>
    public ModelRunners(int count)
    {
        Count = count > 0 ? count : Environment.ProcessorCount;
        _threads = [.. Enumerable.Range(0, Count).Select(i => new Thread(RunQueued) { IsBackground = true, Name = $"model-run-{i}" })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Runs that may go side by side.</summary>
    public int Count { get; }

    /// <summary>
    /// Runs each part on the runner threads and blocks until all are done. When cancelled, parts not yet started are
    /// skipped, but the call still waits for those running: a part must not outlive its caller's buffers.
    /// </summary>
    public void Run(IReadOnlyList<Action> parts, CancellationToken cancellationToken)
    {
        try
        {
            RunAsync(parts, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested(); // the token's own exception, as a cancelled wait throws
            throw;
        }
    }

    /// <summary>
    /// As <see cref="Run"/>, without blocking the caller: the task completes when every part has finished (faulted
    /// with the first failure, cancelled when the token was; parts not started by then are skipped).
    /// </summary>
    public Task RunAsync(IReadOnlyList<Action> parts, CancellationToken cancellationToken)
    {
        if (parts.Count == 0)
        {
            return Task.CompletedTask;
        }

        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var left = parts.Count;
        Exception? failure = null;
        foreach (var part in parts)
        {
            _work.Add(() =>
            {
                try
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        part();
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ex, null);
                }
                finally
                {
                    if (Interlocked.Decrement(ref left) == 0)
                    {
                        if (failure is not null)
                        {
                            completion.SetException(failure);
                        }
                        else if (cancellationToken.IsCancellationRequested)
                        {
                            completion.SetCanceled(cancellationToken);
                        }
                        else
                        {
                            completion.SetResult();
                        }
                    }
                }
            }, CancellationToken.None);
        }

        return completion.Task;
    }

    public void Dispose()
    {
        // The embedder may own a set of its own and the container dispose the shared one: once is enough.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _work.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _work.Dispose();
    }

    private void RunQueued()
    {
        foreach (var run in _work.GetConsumingEnumerable())
        {
            run();
        }
    }
}
