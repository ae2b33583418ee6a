using System.ComponentModel.DataAnnotations;

namespace PromptQueue.PlainWorker;

/// <summary>Section "PlainWorker": the broker, the provider and the one concurrency knob such a worker has.</summary>
public sealed class PlainWorkerOptions
{
    public const string SectionName = "PlainWorker";

    [Required]
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@127.0.0.1:5672/";

    [Required]
    public string ProviderBaseUrl { get; set; } = "http://127.0.0.1:5299/v1/";

    /// <summary>Messages handled at once = provider calls at once = pooled connections (the provider quota).</summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 16;

    public string Lane { get; set; } = "default";
}
