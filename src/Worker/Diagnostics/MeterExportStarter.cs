using Prometheus;

namespace PromptQueue.Worker.Diagnostics;

/// <summary>
/// prometheus-net starts its .NET Meter adapter on the registry's first collection, i.e. the first scrape of
/// /metrics: every measurement taken before that scrape would be lost. Collecting once at start (into nowhere)
/// starts the adapter before the worker takes any message.
/// </summary>
public sealed class MeterExportStarter : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Metrics.DefaultRegistry.CollectAndExportAsTextAsync(Stream.Null, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
