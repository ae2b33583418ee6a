namespace PromptQueue.Reliability;

/// <summary>Where the chaos run finds its parts; scripts/chaos fills it in.</summary>
public sealed record ChaosSettings(
    int Count,
    double Rate,
    Uri Broker,
    Uri Simulator,
    int RedisPort,
    string WorkerDll,
    string WorkerContentRoot,
    IReadOnlyDictionary<string, string> WorkerEnvironment,
    TimeSpan RedisDown,
    TimeSpan Timeout);

/// <summary>The figures the issue asks for, and whether each is within its bound.</summary>
public sealed record ChaosReport(
    int Requests,
    int Republished,
    int TerminalEvents,
    int Missing,
    int ConflictingOutsideRedisWindow,
    int ConflictingInsideRedisWindow,
    int RedundantIdentical,
    int ProviderCalls,
    int AttemptsReported,
    int AnswersPaidTwice,
    IReadOnlyDictionary<string, int> Outcomes,
    IReadOnlyList<string> Timeline)
{
    /// <summary>Provider calls no event accounts for: retries of deliveries cut off by a restart, and answers paid twice.</summary>
    public int UnreportedCalls => Math.Max(0, ProviderCalls - AttemptsReported);

    /// <summary>What must hold at any size: a terminal event for every request, and never two different answers outside the outage.</summary>
    public bool InvariantsHold => Missing == 0 && ConflictingOutsideRedisWindow == 0;

    /// <summary>The ratio bounds too (≤ 1 %): meaningful at full size, where a fault's fixed cost is spread over thousands of requests.</summary>
    public bool Passed => InvariantsHold && RedundantIdentical <= Requests / 100 && AnswersPaidTwice <= Requests / 100;
}

/// <summary>A call the simulator answered, as GET /sim/answered serves it.</summary>
internal sealed record AnsweredCall(string Text, string? ClientRequestId, DateTimeOffset ReceivedAt, DateTimeOffset AnsweredAt);
