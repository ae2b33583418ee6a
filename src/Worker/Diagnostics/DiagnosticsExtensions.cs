using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace PromptQueue.Worker.Diagnostics;

public static class DiagnosticsExtensions
{
    /// <summary>Time, metrics and health: what every PromptQueue host shares.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<WorkerMetrics>();
        builder.Services.AddHostedService<MeterExportStarter>();
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapMetrics("/metrics");
        return app;
    }
}
