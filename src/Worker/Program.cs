using PromptQueue.Worker;

var builder = WebApplication.CreateBuilder(args);

// Secrets from mounted files, one per key (a Kubernetes Secret volume: files named Messaging__RabbitMqUri,
// Cache__Redis, ...), read last so they win over appsettings. Directory: PROMPTQUEUE_SECRETS_DIR, default
// /run/secrets/promptqueue; absent directories are skipped.
var secrets = Environment.GetEnvironmentVariable("PROMPTQUEUE_SECRETS_DIR") ?? "/run/secrets/promptqueue";
builder.Configuration.AddKeyPerFile(secrets, optional: true, reloadOnChange: false);

// Service defaults (time, metrics, health), providers, the request pipeline, messaging: see WorkerComposition.
builder.AddPromptQueueWorker();

var app = builder.Build();
app.MapPromptQueueWorker();
app.Run();

/// <summary>Entry point, visible to tests that host the worker in process.</summary>
public partial class Program;
