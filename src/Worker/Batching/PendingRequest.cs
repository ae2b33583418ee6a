using System.Diagnostics;
using PromptQueue.Contracts;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Batching;

/// <summary>
/// A delivered request on its way through the pipeline. Its consumer waits on <see cref="Completion"/>, so the
/// broker message is acknowledged when, and only when, this request's own result event is confirmed.
/// </summary>
public sealed class PendingRequest(CompletionRequest request, string lane, int priority, DateTimeOffset receivedAt, CancellationToken cancellation)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CompletionRequest Request { get; } = request;

    public string Lane { get; } = lane;

    /// <summary>Priority after the tenant's ceiling was applied.</summary>
    public int Priority { get; } = priority;

    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    /// <summary>Prompt tokens by the model's tokenizer, once counted.</summary>
    public int PromptTokens { get; set; }

    /// <summary>The broker delivered this request before (a worker stopped, crashed or lost its channel meanwhile).</summary>
    public bool Redelivered { get; init; }

    /// <summary>How this request may share an answer, once classified.</summary>
    public RequestReuse? Reuse { get; set; }

    /// <summary>Embedding of the last user turn, when a semantic step needed it.</summary>
    public Embedding? Embedding { get; set; }

    /// <summary>The consume span's context (the producer's trace continued by MassTransit), for the process span.</summary>
    public ActivityContext TraceContext { get; init; }

    /// <summary>When the micro-batch holding this request was closed.</summary>
    public DateTimeOffset? BatchedAt { get; set; }

    /// <summary>Cancelled when the broker delivery is abandoned (worker stopping, channel lost).</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    public Task Completion => _completion.Task;

    public void Complete() => _completion.TrySetResult();

    public void Fail(Exception exception) => _completion.TrySetException(exception);

    public void Cancel() => _completion.TrySetCanceled(Cancellation);
}
