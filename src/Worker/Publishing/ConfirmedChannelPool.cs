using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Security;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PromptQueue.Worker.Publishing;

/// <summary>
/// The worker's own RabbitMQ.Client connection for what it publishes itself (result events, requests moved to an
/// overflow queue): a few channels with publisher confirms used in turn, and a publish that retries until the broker
/// confirms or the caller gives up. On each new connection the results topology is declared (see
/// <see cref="ResultTopology"/>).
/// </summary>
public sealed partial class ConfirmedChannelPool(
    IOptions<MessagingOptions> messaging,
    IOptions<ResultsOptions> results,
    TimeProvider time,
    ILogger<ConfirmedChannelPool> logger) : IHostedService, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IChannel?[] _channels = new IChannel?[results.Value.PublisherChannels];
    private IConnection? _connection;
    private int _next;

    // Publishing retries until the broker confirms or the delivery is abandoned (its token cancels): the result of a
    // provider call is not thrown away because the broker blinked. A returned message (no such queue) is final.
    private readonly ResiliencePipeline _publishRetry = new ResiliencePipelineBuilder { TimeProvider = time }
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

    /// <summary>Runs <paramref name="publish"/> on a confirmed channel until it returns without an error.</summary>
    public ValueTask PublishAsync(Func<IChannel, CancellationToken, ValueTask> publish, CancellationToken cancellationToken) =>
        _publishRetry.ExecuteAsync(async ct => await publish(await GetChannelAsync(ct), ct), cancellationToken);

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
                await ResultTopology.DeclareAsync(_connection, results.Value, cancellationToken);
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
            factory.Ssl.CertificateValidationCallback = CertificateTrust.TrustingCa(ca);
        }

        return factory.CreateConnectionAsync(cancellationToken);
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
}
