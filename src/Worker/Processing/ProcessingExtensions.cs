using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Tenancy;
using PromptQueue.Worker.Tokens;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Processing;

public static class ProcessingExtensions
{
    /// <summary>The per-request pipeline behind the micro-batcher: validation, tenant policy, provider call, result.</summary>
    public static IHostApplicationBuilder AddRequestProcessing(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TenantsOptions, TenantsOptionsValidator, TenantsOptionsCustomValidator>(TenantsOptions.SectionName);
        builder.Services.AddSingleton<TenantPolicy>();
        builder.Services.AddSingleton<TenantQuotas>();
        builder.Services.AddSingleton<LaneFairShare>();
        builder.Services.AddSingleton<CompletionRequestValidator>();
        builder.Services.TryAddSingleton<TokenCounter>();
        builder.Services.AddSingleton<ShutdownSignal>();
        builder.Services.AddSingleton<ResultEventFactory>();
        builder.Services.AddSingleton<RequestCompleter>();
        builder.Services.AddSingleton<RequestPrechecks>();
        builder.Services.AddSingleton<ProviderCaller>();
        builder.Services.AddSingleton<GroupExecutor>();
        builder.Services.AddSingleton<BatchScreening>();
        // Before MassTransit (AddMessaging), so it stops after it.
        builder.Services.AddHostedService<InFlightDrain>();
        builder.Services.AddSingleton<IBatchHandler, BatchDispatcher>();
        return builder;
    }
}
