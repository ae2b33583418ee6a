using PromptQueue.Contracts;

namespace PromptQueue.Worker.Publishing;

/// <summary>The one terminal event of a request, ready to publish.</summary>
public sealed record ResultEnvelope
{
    private ResultEnvelope(object @event, string outcome, string eventType)
    {
        Event = @event;
        Outcome = outcome;
        EventType = eventType;
    }

    public object Event { get; }

    public string Outcome { get; }

    public string EventType { get; }

    public CompletionSucceeded? Succeeded => Event as CompletionSucceeded;

    public CompletionFailed? Failed => Event as CompletionFailed;

    public static ResultEnvelope Of(CompletionSucceeded succeeded) => new(succeeded, ResultOutcome.Succeeded, nameof(CompletionSucceeded));

    public static ResultEnvelope Of(CompletionFailed failed) => new(failed, ResultOutcome.Failed, nameof(CompletionFailed));
}
