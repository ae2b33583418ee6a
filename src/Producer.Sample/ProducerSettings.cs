namespace PromptQueue.Producer.Sample;

/// <summary>What one producer run does, from the command line.</summary>
public sealed record ProducerSettings
{
    public required Uri RabbitMqUri { get; init; }

    public int Count { get; init; } = 1000;

    /// <summary>Requests per second; 0 publishes as fast as the broker confirms.</summary>
    public double Rate { get; init; }

    public string Tenant { get; init; } = "demo";

    public string Model { get; init; } = "sim-small";

    public string Lane { get; init; } = "default";

    /// <summary>JSONL of requests (CompletionRequest JSON, one a line) to publish instead of generated ones.</summary>
    public FileInfo? RequestsFile { get; init; }

    /// <summary>Question pairs (gzip JSONL with "a" and "b") to generate prompts from.</summary>
    public FileInfo? QuestionsFile { get; init; }

    public PriorityMix Mix { get; init; } = PriorityMix.Default;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where to write the summary as JSON (for scripts and tests).</summary>
    public FileInfo? SummaryFile { get; init; }

    public bool Quiet { get; init; }
}
