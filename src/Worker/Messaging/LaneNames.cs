using PromptQueue.Contracts;

namespace PromptQueue.Worker.Messaging;

public static class LaneNames
{
    /// <summary>The lane a delivery came from, read off its receive endpoint address (.../promptqueue.requests.{lane}).</summary>
    public static string FromInputAddress(Uri? inputAddress)
    {
        var queue = inputAddress?.Segments.LastOrDefault()?.Trim('/') ?? "";
        return queue.StartsWith(WireSchema.RequestQueuePrefix, StringComparison.Ordinal) ? queue[WireSchema.RequestQueuePrefix.Length..] : queue;
    }
}
