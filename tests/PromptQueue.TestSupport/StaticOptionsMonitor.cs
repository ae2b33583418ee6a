using Microsoft.Extensions.Options;

namespace PromptQueue.TestSupport;

/// <summary>Options that never change, for components that read IOptionsMonitor.</summary>
public sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
