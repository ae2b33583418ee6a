using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PromptQueue.Worker.Publishing;

/// <summary>Ready only while results can be published: a worker that cannot confirm results must not take work.</summary>
public sealed class ResultPublisherHealthCheck(ConfirmedChannelPool channels) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(channels.IsConnected
            ? HealthCheckResult.Healthy("Result publisher connected.")
            : HealthCheckResult.Unhealthy("Result publisher is not connected to the broker."));
}
