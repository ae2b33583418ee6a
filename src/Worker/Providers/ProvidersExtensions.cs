using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Tokens;

namespace PromptQueue.Worker.Providers;

public static class ProvidersExtensions
{
    /// <summary>
    /// One named, pooled HttpClient per configured endpoint: SocketsHttpHandler owns connection lifetime (so the
    /// factory never rotates handlers and drops warm connections), the standard resilience handler supplies attempt
    /// and total timeouts, retries with jitter that honour Retry-After, and a circuit breaker.
    /// </summary>
    public static IHostApplicationBuilder AddProviders(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(ProvidersOptions.SectionName);
        builder.AddValidatedOptions<ProvidersOptions, ProvidersOptionsValidator, ProvidersOptionsCustomValidator>(ProvidersOptions.SectionName);
        builder.Services.AddTransient<AttemptCountingHandler>();
        // What the limiters need, so the provider clients also work in a host of their own (tools, interop tests).
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<WorkerMetrics>();
        builder.Services.TryAddSingleton<TokenCounter>();
        builder.Services.AddSingleton<Limits.EndpointLimiters>();
        builder.Services.AddSingleton<ProviderRouter>();

        foreach (var endpoint in section.GetSection(nameof(ProvidersOptions.Endpoints)).GetChildren())
        {
            var name = endpoint.Key;
            builder.Services.AddHttpClient(ProviderRouter.HttpClientPrefix + name, (services, client) =>
                {
                    var options = services.GetRequiredService<IOptions<ProvidersOptions>>().Value.Endpoints[name];
                    var baseUrl = options.BaseUrl!.ToString();
                    client.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                    client.Timeout = Timeout.InfiniteTimeSpan; // the resilience handler owns timeouts
                })
                .ConfigurePrimaryHttpMessageHandler(services =>
                {
                    var options = services.GetRequiredService<IOptions<ProvidersOptions>>().Value.Endpoints[name];
                    return new SocketsHttpHandler
                    {
                        PooledConnectionLifetime = options.PooledConnectionLifetime,
                        PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
                        MaxConnectionsPerServer = options.MaxConnectionsPerServer,
                        ConnectTimeout = TimeSpan.FromSeconds(10),
                        AutomaticDecompression = DecompressionMethods.All,
                        EnableMultipleHttp2Connections = true,
                    };
                })
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
                .AddStandardResilienceHandler()
                .Configure((HttpStandardResilienceOptions resilience, IServiceProvider services) =>
                {
                    var options = services.GetRequiredService<IOptions<ProvidersOptions>>().Value.Resilience;
                    resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
                    resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
                    resilience.Retry.MaxRetryAttempts = options.MaxRetries;
                    resilience.Retry.Delay = options.RetryBaseDelay;
                    resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                    resilience.Retry.UseJitter = true;
                    resilience.Retry.ShouldRetryAfterHeader = true;
                    resilience.CircuitBreaker.FailureRatio = options.CircuitFailureRatio;
                    resilience.CircuitBreaker.MinimumThroughput = options.CircuitMinimumThroughput;
                    resilience.CircuitBreaker.SamplingDuration = options.CircuitSamplingDuration;
                    resilience.CircuitBreaker.BreakDuration = options.CircuitBreakDuration;
                    // LLM calls may wait on a full connection pool; the limiter must never reject before that.
                    resilience.RateLimiter.DefaultRateLimiterOptions.PermitLimit = 10_000;
                });
            builder.Services.AddHttpClient(ProviderRouter.HttpClientPrefix + name).AddHttpMessageHandler<AttemptCountingHandler>();
        }

        return builder;
    }
}
