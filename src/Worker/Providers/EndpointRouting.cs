namespace PromptQueue.Worker.Providers;

public enum EndpointRouting
{
    PrefixAffinity = 0,
    Failover = 1,
}
