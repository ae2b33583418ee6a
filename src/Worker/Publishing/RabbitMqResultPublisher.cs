using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using PromptQueue.Contracts;
using PromptQueue.Worker.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PromptQueue.Worker.Publishing;

/// <summary>
/// Publishes result events with RabbitMQ.Client directly, with publisher confirms, instead of through MassTransit:
/// MassTransit cannot send through the default exchange (a reply queue the client declared itself, MassTransit
/// issue #2395) and declares topology for every address it sends to, which fails with 406 against a client's own
/// queue. Results are plain JSON; a reply queue that does not exist falls back to the tenant's topic route, and
/// the results exchange has an alternate exchange, so no result is dropped for want of a binding.
/// </summary>
public sealed partial class RabbitMqResultPublisher(
    IOptions<MessagingOptions> messaging,
    IOptions<ResultsOptions> results,
    ILogger<RabbitMqResultPublisher> logger) : IResultPublisher, IHostedService, IAsyncDisposable
{
    public const string UnroutedExchange = WireSchema.ResultsExchange + ".unrouted";
    public const string UnroutedQueue = WireSchema.ResultsExchange + ".unrouted";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IChannel?[] _channels = new IChannel?[results.Value.PublisherChannels];
    private IConnection? _connection;
    private int _next;

    // Publishing retries until the broker confirms or the delivery is abandoned (its token cancels): the result of a
    // provider call is not thrown away because the broker blinked.
    private readonly ResiliencePipeline _publishRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException and not PublishReturnException),
            MaxRetryAttempts = int.MaxValue,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(5),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public bool IsConnected => _connection is { IsOpen: true };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await GetChannelAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The broker may come up after the worker; the first publish connects again.
            LogConnectFailed(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task PublishAsync(CompletionRequest request, ResultEnvelope result, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(result.Event, result.Event.GetType(), WireJson.Options);
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = $"{request.RequestId}:{result.Outcome}",
            CorrelationId = request.RequestId,
            Type = result.EventType,
            Headers = new Dictionary<string, object?>
            {
                [WireSchema.EventTypeHeader] = result.EventType,
                ["pq-tenant-id"] = request.TenantId,
            },
        };
        var topicKey = WireSchema.ResultRoutingKey(request.TenantId, result.Outcome);

        await _publishRetry.ExecuteAsync(async ct =>
        {
            var channel = await GetChannelAsync(ct);
            if (!string.IsNullOrEmpty(request.ReplyTo))
            {
                try
                {
                    await channel.BasicPublishAsync("", request.ReplyTo, mandatory: true, properties, body, ct);
                    return;
                }
                catch (PublishReturnException)
                {
                    LogReplyQueueMissing(logger, request.RequestId, request.ReplyTo);
                }
            }

            await channel.BasicPublishAsync(WireSchema.ResultsExchange, topicKey, mandatory: false, properties, body, ct);
        }, cancellationToken);
    }

    /// <summary>
    /// Moves a request body to another queue (a lane's overflow queue) and returns once the broker confirms it, so
    /// the original delivery may be acknowledged. The queue must exist: a returned message throws.
    /// </summary>
    public async Task ForwardAsync(string queue, ReadOnlyMemory<byte> body, byte priority, string messageId, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId,
            Priority = priority,
        };
        await _publishRetry.ExecuteAsync(async ct =>
        {
            var channel = await GetChannelAsync(ct);
            await channel.BasicPublishAsync("", queue, mandatory: true, properties, body, ct);
        }, cancellationToken);
    }

    private async ValueTask<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        var slot = (int)((uint)Interlocked.Increment(ref _next) % (uint)_channels.Length);
        var channel = _channels[slot];
        if (channel is { IsOpen: true })
        {
            return channel;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            channel = _channels[slot];
            if (channel is { IsOpen: true })
            {
                return channel;
            }

            if (_connection is not { IsOpen: true })
            {
                if (_connection is not null)
                {
                    await _connection.DisposeAsync();
                }

                _connection = await CreateConnectionAsync(cancellationToken);
                await DeclareTopologyAsync(_connection, cancellationToken);
            }

            if (channel is not null)
            {
                await channel.DisposeAsync();
            }

            channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            _channels[slot] = channel;
            return channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task<IConnection> CreateConnectionAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(messaging.Value.RabbitMqUri),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            ClientProvidedName = "promptqueue-worker-results",
        };
        if (factory.Ssl.Enabled && messaging.Value.TlsCaCertificateFile is { } ca)
        {
            // The amqps:// URI turned TLS on with the host as server name; widen trust to the configured CA only.
            factory.Ssl.CertificateValidationCallback = Security.CertificateTrust.TrustingCa(ca);
        }

        return factory.CreateConnectionAsync(cancellationToken);
    }

    private async Task DeclareTopologyAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(UnroutedExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(
            UnroutedQueue,
            durable: true,
            exclusive: false,
            autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-message-ttl"] = (long)results.Value.UnroutedRetention.TotalMilliseconds },
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

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            if (channel is not null)
            {
                await channel.DisposeAsync();
            }
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _gate.Dispose();
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Result publisher could not connect at start: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Reply queue {ReplyTo} of request {RequestId} does not exist; the result goes to the tenant topic instead")]
    private static partial void LogReplyQueueMissing(ILogger logger, string requestId, string replyTo);
}
