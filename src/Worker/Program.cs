using PromptQueue.Worker;

var builder = WebApplication.CreateBuilder(args);

// Service defaults (time, metrics, health), providers, the request pipeline, messaging: see WorkerComposition.
builder.AddPromptQueueWorker();

var app = builder.Build();
app.MapPromptQueueWorker();
app.Run();

/// <summary>Entry point, visible to tests that host the worker in process.</summary>
public partial class Program;
