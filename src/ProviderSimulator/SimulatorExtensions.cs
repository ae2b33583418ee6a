using Microsoft.Extensions.Options;

namespace PromptQueue.ProviderSimulator;

public static class SimulatorExtensions
{
    public static IHostApplicationBuilder AddSimulator(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<SimulatorOptions, SimulatorOptionsValidator>()
            .Bind(builder.Configuration.GetSection(SimulatorOptions.SectionName));
        builder.Services.AddSingleton<SimulatorCounters>();
        builder.Services.AddSingleton<ChatCompletionSimulator>();
        builder.Services.AddSingleton(TimeProvider.System);

        // Count TCP connections at the transport, below HTTP, so tests can prove that clients pool connections.
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => async connection =>
            {
                var counters = kestrel.ApplicationServices.GetRequiredService<SimulatorCounters>();
                counters.ConnectionOpened();
                try
                {
                    await next(connection);
                }
                finally
                {
                    counters.ConnectionClosed();
                }
            }));
        });
        return builder;
    }

    public static WebApplication MapSimulatorEndpoints(this WebApplication app)
    {
        app.MapPost("/v1/chat/completions", (HttpContext http, ChatCompletionSimulator simulator) => simulator.HandleAsync(http));
        app.MapGet("/v1/models", (IOptions<SimulatorOptions> options) => Results.Json(new
        {
            @object = "list",
            data = options.Value.Models.Select(m => new { id = m, @object = "model", owned_by = "promptqueue-simulator" }),
        }));
        app.MapGet("/sim/stats", (SimulatorCounters counters) => Results.Json(counters.Snapshot()));
        app.MapGet("/sim/requests", (SimulatorCounters counters) => Results.Json(counters.Recent()));
        app.MapGet("/sim/answered", (SimulatorCounters counters) => Results.Json(counters.AnsweredCalls()));
        app.MapPost("/sim/reset", (SimulatorCounters counters) =>
        {
            counters.Reset();
            return Results.NoContent();
        });
        app.MapGet("/health", () => Results.Text("ok"));
        return app;
    }
}
