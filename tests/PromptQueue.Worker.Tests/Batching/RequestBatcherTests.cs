using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Messaging;

namespace PromptQueue.Worker.Tests.Batching;

public sealed class RequestBatcherTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingHandler _handler = new();
    private readonly RequestBatcher _batcher;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public RequestBatcherTests()
    {
        var options = new MessagingOptions
        {
            Lanes = { ["default"] = new LaneOptions { ConcurrencyLimit = 8, BatchMaxSize = 4, BatchWindow = TimeSpan.FromMilliseconds(50) } },
        };
        _batcher = new RequestBatcher(Options.Create(options), _handler, new WorkerMetrics(_services.GetRequiredService<IMeterFactory>()), _time, NullLogger<RequestBatcher>.Instance);
    }

    public Task InitializeAsync() => _batcher.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _batcher.StopAsync(CancellationToken.None);
        _batcher.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task Full_batch_closes_before_its_window_ends()
    {
        var requests = Enumerable.Range(0, 4).Select(i => Pending($"r{i}")).ToArray();

        var submitted = requests.Select(_batcher.SubmitAsync).ToArray();
        var batch = await _handler.NextBatch.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(4, batch.Count);
        _handler.CompleteAll();
        await Task.WhenAll(submitted).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Partial_batch_closes_when_its_window_ends()
    {
        var submitted = new[] { _batcher.SubmitAsync(Pending("a")), _batcher.SubmitAsync(Pending("b")) };

        var batch = await AdvanceUntil(_handler.NextBatch);

        Assert.Equal(["a", "b"], batch.Select(r => r.Request.RequestId).Order());
        Assert.All(batch, r => Assert.NotNull(r.BatchedAt));
        _handler.CompleteAll();
        await Task.WhenAll(submitted).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Each_request_is_released_when_its_own_result_is_done_not_when_the_batch_is()
    {
        var fast = _batcher.SubmitAsync(Pending("fast"));
        var slow = _batcher.SubmitAsync(Pending("slow"));
        await AdvanceUntil(_handler.NextBatch);

        _handler.Complete("fast");
        await fast.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(slow.IsCompleted);
        _handler.Complete("slow");
        await slow.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Abandoned_delivery_stops_waiting_so_the_broker_can_redeliver_it()
    {
        using var delivery = new CancellationTokenSource();
        var waiting = _batcher.SubmitAsync(Pending("abandoned", delivery.Token));

        await delivery.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private PendingRequest Pending(string id, CancellationToken cancellation = default) =>
        new(TestRequests.Valid() with { RequestId = id }, "default", 5, _time.GetUtcNow(), cancellation);

    private async Task<T> AdvanceUntil<T>(Task<T> task)
    {
        for (var i = 0; i < 500 && !task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.WhenAny(task, Task.Delay(5));
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class RecordingHandler : IBatchHandler
    {
        private readonly ConcurrentDictionary<string, PendingRequest> _held = new();
        private readonly TaskCompletionSource<IReadOnlyList<PendingRequest>> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<PendingRequest>> NextBatch => _next.Task;

        public Task HandleAsync(IReadOnlyList<PendingRequest> batch, CancellationToken stoppingToken)
        {
            foreach (var request in batch)
            {
                _held[request.Request.RequestId] = request;
            }

            _next.TrySetResult(batch);
            return Task.CompletedTask;
        }

        public void Complete(string id)
        {
            if (_held.TryRemove(id, out var request))
            {
                request.Complete();
            }
        }

        public void CompleteAll()
        {
            foreach (var id in _held.Keys)
            {
                Complete(id);
            }
        }
    }
}
