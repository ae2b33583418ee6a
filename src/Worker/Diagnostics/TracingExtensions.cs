using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PromptQueue.Worker.Diagnostics;

public static class TracingExtensions
{
    /// <summary>
    /// OpenTelemetry traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the standard
    /// OTEL_* variables), off otherwise. Sources: MassTransit (consume, continuing the producer's traceparent),
    /// RabbitMQ.Client (result publish), System.Net.Http (provider calls, built into .NET, so no instrumentation
    /// package), ASP.NET Core and the worker's own process span.
    /// </summary>
    public static IHostApplicationBuilder AddTracing(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "promptqueue-worker"))
            .WithTracing(tracing => tracing
                .AddSource(WorkerActivities.SourceName, "MassTransit", "RabbitMQ.Client.*", "System.Net.Http", "Microsoft.AspNetCore")
                .AddOtlpExporter());
        return builder;
    }
}
