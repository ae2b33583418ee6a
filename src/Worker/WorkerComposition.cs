using PromptQueue.Worker.Caching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Security;

namespace PromptQueue.Worker;

/// <summary>The whole worker, as Program.cs runs it; integration tests host exactly this.</summary>
public static class WorkerComposition
{
    public static IHostApplicationBuilder AddPromptQueueWorker(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddSecretRedaction();
        builder.AddTracing();
        builder.AddProviders();
        builder.AddSemanticMatching();
        builder.AddResponseCache();
        builder.AddRequestProcessing();
        builder.AddMessaging();
        return builder;
    }

    public static WebApplication MapPromptQueueWorker(this WebApplication app)
    {
        app.MapServiceDefaults();
        app.MapLaneAdmin();
        app.MapCacheAdmin();
        return app;
    }
}
