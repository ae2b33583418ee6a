using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Tests;

/// <summary>Options that never change, for components that read IOptionsMonitor.</summary>
internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
