using System.Collections.Concurrent;
using System.Globalization;

namespace PromptQueue.ProviderSimulator;

/// <summary>What the simulator has seen since start or the last reset; served at GET /sim/stats.</summary>
public sealed class SimulatorCounters
{
    private long _connectionsAccepted;
    private long _connectionsOpen;
    private long _requests;
    private long _inFlight;
    private long _maxInFlight;
    private readonly ConcurrentDictionary<int, long> _byStatus = new();
    private readonly ConcurrentQueue<ReceivedRequest> _recent = new();
    private long _sequence;

    /// <summary>How many recent requests /sim/requests keeps.</summary>
    private readonly ConcurrentQueue<AnsweredCall> _answered = new();

    public const int RecentLimit = 10_000;

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _connectionsAccepted);
        Interlocked.Increment(ref _connectionsOpen);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    public void RequestStarted()
    {
        Interlocked.Increment(ref _requests);
        var now = Interlocked.Increment(ref _inFlight);
        long seen;
        while (now > (seen = Interlocked.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }
    }

    /// <summary>Remembers a chat request's model and last user turn, in arrival order, for tests that check dispatch order.</summary>
    public void Received(string model, string lastUserText)
    {
        _recent.Enqueue(new ReceivedRequest(Interlocked.Increment(ref _sequence), model, lastUserText));
        while (_recent.Count > RecentLimit && _recent.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<ReceivedRequest> Recent() => [.. _recent];

    /// <summary>Remembers a call answered 200 (last user turn, the client's request id, when), so a client can count answers it paid for twice and tell which calls they were.</summary>
    public void Answered(AnsweredCall call)
    {
        _answered.Enqueue(call);
        while (_answered.Count > RecentLimit && _answered.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<AnsweredCall> AnsweredCalls() => [.. _answered];

    public void RequestEnded(int status)
    {
        Interlocked.Decrement(ref _inFlight);
        _byStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
    }

    public SimulatorStats Snapshot() => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _connectionsAccepted),
        Interlocked.Read(ref _connectionsOpen),
        Interlocked.Read(ref _maxInFlight),
        _byStatus.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value));

    public void Reset()
    {
        _answered.Clear();
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _connectionsAccepted, Interlocked.Read(ref _connectionsOpen));
        Interlocked.Exchange(ref _maxInFlight, 0);
        _byStatus.Clear();
        _recent.Clear();
    }
}

/// <summary>A call the simulator answered 200: served at GET /sim/answered.</summary>
public sealed record AnsweredCall(string Text, string? ClientRequestId, DateTimeOffset ReceivedAt, DateTimeOffset AnsweredAt);
