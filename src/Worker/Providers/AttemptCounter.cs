namespace PromptQueue.Worker.Providers;

/// <summary>
/// Counts HTTP attempts of one logical call and carries the endpoint's limiter, which learns each attempt's outcome.
/// The counting handler sits inside the resilience handler, so it sees every retry; the counter travels in
/// <see cref="HttpRequestMessage.Options"/>.
/// </summary>
public sealed class AttemptCounter
{
    public static readonly HttpRequestOptionsKey<AttemptCounter> Key = new("PromptQueue.Attempts");

    private int _count;

    public Limits.EndpointLimiter? Limiter { get; init; }

    public int Count => Volatile.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);
}
