using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Diagnostics;

namespace PromptQueue.Worker.Providers.Limits;

/// <summary>One <see cref="EndpointLimiter"/> per configured endpoint, shared by every call of this worker.</summary>
public sealed class EndpointLimiters : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, EndpointLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<ProvidersOptions> _options;
    private readonly TimeProvider _time;
    private readonly WorkerMetrics _metrics;

    public EndpointLimiters(IOptionsMonitor<ProvidersOptions> options, TimeProvider time, WorkerMetrics metrics)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        metrics.ObserveEndpoints(() => _limiters.Select(e => new EndpointLoad(e.Key, e.Value.ConcurrencyLimit, e.Value.InUse, e.Value.Waiting, e.Value.CircuitOpen)));
    }

    public EndpointLimiter For(string endpoint) =>
        _limiters.GetOrAdd(endpoint, name => new EndpointLimiter(name, _options.CurrentValue.Endpoints[name], _time, _metrics));

    public async ValueTask DisposeAsync()
    {
        foreach (var limiter in _limiters.Values)
        {
            await limiter.DisposeAsync();
        }
    }
}
