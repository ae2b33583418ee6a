using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Worker.Messaging;

/// <summary>Broker connection and request lanes. Section "Messaging".</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    /// <summary>AMQP URI of the broker, credentials included (never logged).</summary>
    [Required]
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>
    /// With an amqps:// URI, a PEM file of the CA the broker's certificate chains to, when it is not in the system
    /// trust store. The host name is still checked against the certificate.
    /// </summary>
    public string? TlsCaCertificateFile { get; set; }

    /// <summary>Request bodies larger than this go to the error queue before they are deserialised.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Request lanes by name. Each is a classic queue <c>promptqueue.requests.{name}</c> with <c>x-max-priority</c> 9,
    /// its own concurrency, prefetch and pause switch. Empty means one lane named "default".
    /// </summary>
    public Dictionary<string, LaneOptions> Lanes { get; set; } = [];

    /// <summary>How long a stopping worker lets in-flight requests finish before they are returned to the queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ConsumerStopTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Deliveries of one request (counted by tenant + RequestId in Redis, in process while Redis is down) after which
    /// it is a poison message: a PoisonMessage failed event is published and the message moves to the error queue.
    /// </summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 3;

    public IReadOnlyDictionary<string, LaneOptions> EffectiveLanes =>
        Lanes.Count > 0 ? Lanes : new Dictionary<string, LaneOptions> { ["default"] = new LaneOptions() };
}
