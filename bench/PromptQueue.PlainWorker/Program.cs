using MassTransit;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.PlainWorker;

// The benchmark suite's "plain worker" reference (bench/PromptQueue.Bench, W2). Not part of the product.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddOptions<PlainWorkerOptions>().Bind(builder.Configuration.GetSection(PlainWorkerOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

// One shared HttpClient, its pool sized to the concurrency: every call reuses a pooled connection.
builder.Services.AddHttpClient<PlainCompletionConsumer>((sp, http) =>
        http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<PlainWorkerOptions>>().Value.ProviderBaseUrl))
    .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
    {
        MaxConnectionsPerServer = sp.GetRequiredService<IOptions<PlainWorkerOptions>>().Value.Concurrency,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

builder.Services.AddMassTransit(bus =>
{
    bus.AddConsumer<PlainCompletionConsumer>().ExcludeFromConfigureEndpoints();
    bus.UsingRabbitMq((context, rabbit) =>
    {
        var options = context.GetRequiredService<IOptions<PlainWorkerOptions>>().Value;
        rabbit.Host(new Uri(options.RabbitMqUri), host => host.ConnectionName("promptqueue-plain-worker"));
        // The wire format is plain JSON (docs/wire-format.md), read and written with its own settings.
        rabbit.UseRawJsonSerializer(isDefault: true);
        rabbit.UseRawJsonDeserializer(isDefault: true);
        rabbit.ConfigureJsonSerializerOptions(json =>
        {
            json.PropertyNamingPolicy = WireJson.Options.PropertyNamingPolicy;
            json.DefaultIgnoreCondition = WireJson.Options.DefaultIgnoreCondition;
            return json;
        });
        rabbit.ReceiveEndpoint(WireSchema.RequestQueue(options.Lane), endpoint =>
        {
            endpoint.ConfigureConsumeTopology = false;
            endpoint.PrefetchCount = options.Concurrency;
            endpoint.ConcurrentMessageLimit = options.Concurrency;
            endpoint.SetQueueArgument("x-max-priority", WireSchema.MaxPriority);
            endpoint.ConfigureConsumer<PlainCompletionConsumer>(context);
        });
    });
});
builder.Services.AddOptions<MassTransitHostOptions>().Configure(o => o.WaitUntilStarted = true);

var app = builder.Build();
app.MapHealthChecks("/health/ready");
app.Run();
