using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Publishing;

/// <summary>Where result events go. Section "Results".</summary>
public sealed class ResultsOptions
{
    public const string SectionName = "Results";

    /// <summary>Channels used to publish results concurrently (each with publisher confirms).</summary>
    [Range(1, 64)]
    public int PublisherChannels { get; set; } = 4;

    /// <summary>How long results nobody was bound to receive stay in <c>promptqueue.results.unrouted</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan UnroutedRetention { get; set; } = TimeSpan.FromDays(1);
}
