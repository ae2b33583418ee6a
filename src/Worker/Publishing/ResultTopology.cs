using PromptQueue.Contracts;
using RabbitMQ.Client;

namespace PromptQueue.Worker.Publishing;

/// <summary>
/// The exchanges results go through: the tenant-keyed topic exchange, with an alternate exchange and queue that keep
/// results nobody was bound to receive (for <see cref="ResultsOptions.UnroutedRetention"/>) instead of dropping them.
/// </summary>
public static class ResultTopology
{
    public const string UnroutedExchange = WireSchema.ResultsExchange + ".unrouted";
    public const string UnroutedQueue = WireSchema.ResultsExchange + ".unrouted";

    public static async Task DeclareAsync(IConnection connection, ResultsOptions options, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(UnroutedExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(
            UnroutedQueue,
            durable: true,
            exclusive: false,
            autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-message-ttl"] = (long)options.UnroutedRetention.TotalMilliseconds },
            cancellationToken: cancellationToken);
        await channel.QueueBindAsync(UnroutedQueue, UnroutedExchange, "", cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(
            WireSchema.ResultsExchange,
            ExchangeType.Topic,
            durable: true,
            autoDelete: false,
            arguments: new Dictionary<string, object?> { ["alternate-exchange"] = UnroutedExchange },
            cancellationToken: cancellationToken);
    }
}
