namespace PromptQueue.ProviderSimulator;

/// <summary>Counters served at GET /sim/stats.</summary>
public sealed record SimulatorStats(
    long Requests,
    long ConnectionsAccepted,
    long ConnectionsOpen,
    long MaxConcurrentRequests,
    Dictionary<string, long> ResponsesByStatus);
