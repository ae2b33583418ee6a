using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Processing;
using PromptQueue.Worker.Providers;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddProviders();
builder.AddRequestProcessing();
builder.AddMessaging();

var app = builder.Build();

app.MapServiceDefaults();
app.MapLaneAdmin();

app.Run();

/// <summary>Entry point, visible to tests that host the worker in process.</summary>
public partial class Program;
