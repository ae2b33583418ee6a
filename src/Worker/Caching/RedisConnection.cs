using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PromptQueue.Worker.Caching;

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

/// <summary>
/// Every Redis key of the cache. Keys are hashes (SHA-256 of scope and prompt), never prompts, tenants' names or
/// secrets; the values hold answers and the compared text only.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    /// <summary>Hash: <c>a</c> = answer JSON, <c>x</c> = expiry (unix ms by the worker's clock).</summary>
    public RedisKey Answer(string exactKey) => $"{prefix}:a:{exactKey}";

    /// <summary>Hash: exact key → vector (float16) and text, for the replicas' semantic indexes.</summary>
    public RedisKey Index(string scope) => $"{prefix}:ix:{scope}";

    /// <summary>Set of <c>scope|exactKey</c> tagged with a tag, per owner (tenant or shared scope).</summary>
    public RedisKey Tag(string owner, string tag) => $"{prefix}:t:{Hash(owner + "\n" + tag)}";

    /// <summary>Single-flight lock of an exact key.</summary>
    public RedisKey Flight(string exactKey) => $"{prefix}:f:{exactKey}";

    /// <summary>A RequestId's stored result.</summary>
    public RedisKey Done(string tenantId, string requestId) => $"{prefix}:r:{Hash(tenantId + "\n" + requestId)}";

    /// <summary>Deliveries of a redelivered request.</summary>
    public RedisKey Deliveries(string tenantId, string requestId) => $"{prefix}:d:{Hash(tenantId + "\n" + requestId)}";

    /// <summary>A tenant's quota counter for one kind (requests, tokens) and one minute.</summary>
    public RedisKey Quota(string tenantId, string kind, long minute) => $"{prefix}:q:{Hash(tenantId)}:{kind}:{minute}";

    /// <summary>Stream of cache changes every replica follows.</summary>
    public RedisKey Changes => $"{prefix}:changes";

    private static string Hash(string value) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));
}
