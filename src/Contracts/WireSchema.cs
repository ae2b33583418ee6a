namespace PromptQueue.Contracts;

/// <summary>Names that make up the wire format. See docs/wire-format.md.</summary>
public static class WireSchema
{
    public const int CurrentVersion = 1;

    /// <summary>Topic exchange that carries result events; routing key <c>{tenantId}.{outcome}</c>.</summary>
    public const string ResultsExchange = "promptqueue.results";

    /// <summary>Request queue of a lane: <c>promptqueue.requests.{lane}</c>.</summary>
    public const string RequestQueuePrefix = "promptqueue.requests.";

    /// <summary>Every request queue is a classic queue declared with this <c>x-max-priority</c>.</summary>
    public const int MaxPriority = 9;

    /// <summary>AMQP header naming the event type of a result: CompletionSucceeded or CompletionFailed.</summary>
    public const string EventTypeHeader = "pq-event-type";

    /// <summary>
    /// Suffix of a lane's overflow queue (<c>promptqueue.requests.{lane}.overflow</c>): the worker moves there the
    /// requests of a tenant holding more than its fair share of the lane. Producers never publish to it.
    /// </summary>
    public const string OverflowQueueSuffix = ".overflow";

    public static string RequestQueue(string lane) => RequestQueuePrefix + lane;

    public static string OverflowQueue(string lane) => RequestQueue(lane) + OverflowQueueSuffix;

    public static string ResultRoutingKey(string tenantId, string outcome) => $"{tenantId}.{outcome}";
}
