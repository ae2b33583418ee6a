namespace PromptQueue.ProviderSimulator;

/// <summary>One chat completion request as the simulator received it.</summary>
public sealed record ReceivedRequest(long Sequence, string Model, string LastUserText);
