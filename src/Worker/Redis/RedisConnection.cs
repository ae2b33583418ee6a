using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Caching;
using StackExchange.Redis;

namespace PromptQueue.Worker.Redis;

/// <summary>
/// The one multiplexer of the worker (StackExchange.Redis pipelines every command over it). It connects in the
/// background and reconnects by itself; while Redis is away <see cref="Database"/> is null and the cache runs on L1
/// and the provider. Health: Redis down is Degraded, never Unhealthy (a worker without Redis still answers).
/// </summary>
public sealed partial class RedisConnection : IHealthCheck, IAsyncDisposable
{
    private readonly ConnectionMultiplexer? _multiplexer;
    private readonly ILogger<RedisConnection> _logger;

    public RedisConnection(IOptions<CacheOptions> options, ILoggerFactory loggerFactory, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        var settings = options.Value;
        Keys = new RedisKeys(settings.KeyPrefix);
        if (!settings.Enabled || string.IsNullOrWhiteSpace(settings.Redis))
        {
            return;
        }

        var configuration = ConfigurationOptions.Parse(settings.Redis);
        configuration.AbortOnConnectFail = false; // start without Redis, connect when it comes
        // A cold start (TLS, a busy Redis) may need longer than one command; past this the worker starts without L2.
        configuration.ConnectTimeout = (int)Math.Max(5000, settings.RedisTimeout.TotalMilliseconds);
        configuration.AsyncTimeout = (int)settings.RedisTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)settings.RedisTimeout.TotalMilliseconds;
        configuration.ConnectRetry = 1;
        if (settings.TlsCaCertificateFile is { } ca)
        {
            configuration.Ssl = true;
            configuration.TrustIssuer(ca);
        }

        configuration.ClientName ??= $"promptqueue-{Environment.MachineName}";
        // The client's own connection log goes through the worker's loggers (and their secret redaction).
        configuration.LoggerFactory = loggerFactory;
        _multiplexer = ConnectionMultiplexer.Connect(configuration);
        if (!_multiplexer.IsConnected)
        {
            LogNotConnectedAtStart(_logger, configuration.ToString(includePassword: false));
        }

        _multiplexer.ConnectionFailed += (_, e) => LogConnectionLost(_logger, e.EndPoint?.ToString(), e.FailureType.ToString());
        _multiplexer.ConnectionRestored += (_, e) =>
        {
            LogConnectionRestored(_logger, e.EndPoint?.ToString());
            Restored?.Invoke();
        };
    }

    public RedisKeys Keys { get; }

    /// <summary>Whether a Redis L2 is configured at all.</summary>
    public bool IsConfigured => _multiplexer is not null;

    /// <summary>The database while connected; null when Redis is not configured or unreachable (skip L2, never wait).</summary>
    public IDatabase? Database => _multiplexer is { IsConnected: true } m ? m.GetDatabase() : null;

    /// <summary>Raised when a lost connection is back: replicas' changes may have been missed.</summary>
    public event Action? Restored;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_multiplexer switch
        {
            null => HealthCheckResult.Healthy("No Redis configured: the cache is in process only."),
            { IsConnected: true } => HealthCheckResult.Healthy("Redis connected."),
            _ => HealthCheckResult.Degraded("Redis is unreachable: answers come from the in-process cache and the provider; the worker reconnects by itself."),
        });

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }
    }

    [LoggerMessage(EventId = 1600, Level = LogLevel.Warning, Message = "Redis connection to {Endpoint} lost ({Failure}); serving from L1 and the provider until it is back")]
    private static partial void LogConnectionLost(ILogger logger, string? endpoint, string failure);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Redis ({Configuration}) is not reachable at start; serving from L1 and the provider, reconnecting in the background")]
    private static partial void LogNotConnectedAtStart(ILogger logger, string configuration);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Redis connection to {Endpoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, string? endpoint);
}
