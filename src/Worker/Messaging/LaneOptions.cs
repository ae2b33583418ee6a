using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Messaging;

/// <summary>One request lane: a priority queue with its own concurrency, prefetch and micro-batch window.</summary>
public sealed class LaneOptions
{
    /// <summary>Requests of this lane processed at once by one worker (each waits for its own provider call).</summary>
    [Range(1, 4096)]
    public int ConcurrencyLimit { get; set; } = 64;

    /// <summary>
    /// Unacknowledged deliveries the broker pushes ahead. Defaults to the concurrency limit, so nothing waits in the
    /// worker's memory where a later urgent message could not overtake it.
    /// </summary>
    [Range(1, 65535)]
    public int? PrefetchCount { get; set; }

    /// <summary>A paused lane consumes nothing; its queue keeps growing (and KEDA sees it).</summary>
    public bool Paused { get; set; }

    /// <summary>Most requests gathered into one micro-batch.</summary>
    [Range(1, 1024)]
    public int BatchMaxSize { get; set; } = 32;

    /// <summary>Longest a request waits for its micro-batch to fill.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Near-duplicate requests of this lane share one provider call. Null: Reuse:SemanticByDefault.</summary>
    public bool? SemanticReuse { get; set; }

    public int EffectivePrefetch => PrefetchCount ?? ConcurrencyLimit;
}
