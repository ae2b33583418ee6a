using PromptQueue.Contracts;

namespace PromptQueue.Worker.Messaging;

public static class LaneNames
{
    /// <summary>The lane a delivery came from, read off its receive endpoint address (.../promptqueue.requests.{lane}).</summary>
    public static string FromInputAddress(Uri? inputAddress)
    {
        var queue = QueueName(inputAddress);
        if (queue.EndsWith(WireSchema.OverflowQueueSuffix, StringComparison.Ordinal))
        {
            queue = queue[..^WireSchema.OverflowQueueSuffix.Length];
        }

        return queue.StartsWith(WireSchema.RequestQueuePrefix, StringComparison.Ordinal) ? queue[WireSchema.RequestQueuePrefix.Length..] : queue;
    }

    /// <summary>The delivery came from a lane's overflow queue (lane names cannot contain '.', so this is unambiguous).</summary>
    public static bool IsOverflow(Uri? inputAddress) => QueueName(inputAddress).EndsWith(WireSchema.OverflowQueueSuffix, StringComparison.Ordinal);

    private static string QueueName(Uri? inputAddress) => inputAddress?.Segments.LastOrDefault()?.Trim('/') ?? "";
}
