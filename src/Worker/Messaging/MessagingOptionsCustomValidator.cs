using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// What annotations cannot say about <see cref="MessagingOptions"/>: the broker URI's scheme, a file that must exist,
/// each lane's name and how its prefetch and batch size relate to its concurrency; and each lane's own annotations.
/// </summary>
internal sealed class MessagingOptionsCustomValidator : IValidateOptions<MessagingOptions>
{
    private const string LanesPath = $"{MessagingOptions.SectionName}:Lanes";
    private static readonly LaneOptionsValidator Lane = new();

    public ValidateOptionsResult Validate(string? name, MessagingOptions options)
    {
        var builder = new ValidateOptionsResultBuilder().AddEntries(Lane, LanesPath, options.EffectiveLanes);
        if (!Uri.TryCreate(options.RabbitMqUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq" or "rabbitmqs"))
        {
            builder.AddError("Messaging:RabbitMqUri must be an absolute amqp:// or amqps:// URI.");
        }

        if (options.TlsCaCertificateFile is not null && !File.Exists(options.TlsCaCertificateFile))
        {
            builder.AddError("Messaging:TlsCaCertificateFile does not exist.");
        }

        foreach (var (laneName, lane) in options.EffectiveLanes)
        {
            var path = $"{LanesPath}:{laneName}";
            if (!IsValidLaneName(laneName))
            {
                builder.AddError($"Messaging:Lanes names must be 1-64 letters, digits, '-' or '_' ('{laneName}' is not).");
            }

            if (lane.EffectivePrefetch < lane.ConcurrencyLimit)
            {
                builder.AddError($"{path}:PrefetchCount must be at least ConcurrencyLimit, or consumers sit idle.");
            }

            if (lane.BatchMaxSize > lane.ConcurrencyLimit)
            {
                builder.AddError($"{path}:BatchMaxSize cannot exceed ConcurrencyLimit: a batch fills only from requests in flight.");
            }
        }

        return builder.Build();
    }

    private static bool IsValidLaneName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
