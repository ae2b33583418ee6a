using PromptQueue.Worker.Batching;

namespace PromptQueue.Worker.Coalescing;

/// <summary>Requests answered by one provider call: the leader's. Members carry their similarity to the leader.</summary>
public sealed record RequestGroup(PendingRequest Leader, IReadOnlyList<GroupMember> Members)
{
    public static RequestGroup Single(PendingRequest request) => new(request, [new GroupMember(request, 1.0)]);

    /// <summary>The most urgent member's priority: the group is dispatched as urgently as its most urgent request.</summary>
    public int Priority => Members.Max(m => m.Request.Priority);

    public DateTimeOffset FirstReceivedAt => Members.Min(m => m.Request.ReceivedAt);
}
