using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Tests;

internal static class TestRequests
{
    public static CompletionRequest Valid(string text = "What is the capital of France?") => new()
    {
        RequestId = "r-1",
        TenantId = "acme",
        Model = "sim-small",
        Messages = [new ChatMessage { Role = "user", Content = text }],
        MaxTokens = 64,
        Priority = 5,
    };

    public static ProvidersOptions Providers() => new()
    {
        Endpoints = { ["sim"] = new ProviderEndpointOptions { BaseUrl = new Uri("http://127.0.0.1:1/v1/") } },
        Models = { ["sim-small"] = new ModelOptions { Endpoints = ["sim"], MaxOutputTokens = 1000, ContextWindow = 8000 } },
    };
}
