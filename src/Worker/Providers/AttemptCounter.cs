namespace PromptQueue.Worker.Providers;

/// <summary>
/// Counts HTTP attempts of one logical call. The counting handler sits inside the resilience handler, so it sees
/// every retry; the counter travels in <see cref="HttpRequestMessage.Options"/>.
/// </summary>
public sealed class AttemptCounter
{
    public static readonly HttpRequestOptionsKey<AttemptCounter> Key = new("PromptQueue.Attempts");

    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);
}
