using PromptQueue.Worker.Batching;

namespace PromptQueue.Worker.Coalescing;

/// <summary>A request in a group and its similarity to the group's leader (1 for the leader and exact duplicates).</summary>
public sealed record GroupMember(PendingRequest Request, double Similarity)
{
    public bool IsLeader(RequestGroup group) => ReferenceEquals(Request, group.Leader);
}
