using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Messaging;

/// <summary>
/// Connects one receive endpoint per lane (two with fair share: the lane's queue and its overflow queue) once the bus is up, and pauses or resumes a lane at run time without
/// touching the others. A paused lane stops consuming: in-flight requests finish, prefetched ones return to the queue.
/// </summary>
public sealed partial class LaneSwitchboard(
    IReceiveEndpointConnector connector,
    IOptions<MessagingOptions> options,
    LaneFairShare fairShare,
    WorkerMetrics metrics,
    ILogger<LaneSwitchboard> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, HostReceiveEndpointHandle[]> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IReadOnlyDictionary<string, LaneOptions> Lanes => options.Value.EffectiveLanes;

    public bool IsRunning(string lane) => _running.ContainsKey(lane);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.ObserveLanes(() => Lanes.Keys.Select(lane => new KeyValuePair<string, bool>(lane, !IsRunning(lane))));
        foreach (var (lane, laneOptions) in Lanes)
        {
            if (laneOptions.Paused)
            {
                LogLanePaused(logger, lane);
                continue;
            }

            await ResumeAsync(lane, cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var lane in _running.Keys.ToArray())
        {
            await PauseAsync(lane, cancellationToken);
        }
    }

    public async Task<bool> ResumeAsync(string lane, CancellationToken cancellationToken)
    {
        if (!Lanes.TryGetValue(lane, out var laneOptions))
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_running.ContainsKey(lane))
            {
                return true;
            }

            // The overflow queue is consumed first, so it exists before the lane's consumer moves anything to it.
            var queues = fairShare.Enabled ? new[] { WireSchema.OverflowQueue(lane), WireSchema.RequestQueue(lane) } : [WireSchema.RequestQueue(lane)];
            var handles = new List<HostReceiveEndpointHandle>(queues.Length);
            foreach (var queue in queues)
            {
                var handle = connector.ConnectReceiveEndpoint(queue, (context, endpoint) =>
                    LaneEndpointConfiguration.Configure(endpoint, context, laneOptions, options.Value.MaxBodyBytes));
                await handle.Ready.WaitAsync(cancellationToken);
                handles.Add(handle);
            }

            _running[lane] = [.. handles];
            LogLaneStarted(logger, lane, laneOptions.ConcurrencyLimit, laneOptions.EffectivePrefetch);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> PauseAsync(string lane, CancellationToken cancellationToken)
    {
        if (!Lanes.ContainsKey(lane))
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_running.TryRemove(lane, out var handles))
            {
                foreach (var handle in handles.Reverse())
                {
                    await handle.StopAsync(cancellationToken);
                }

                LogLanePaused(logger, lane);
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Lane {Lane} consuming: concurrency {Concurrency}, prefetch {Prefetch}")]
    private static partial void LogLaneStarted(ILogger logger, string lane, int concurrency, int prefetch);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Lane {Lane} paused")]
    private static partial void LogLanePaused(ILogger logger, string lane);
}
