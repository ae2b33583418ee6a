using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Messaging;

/// <summary>A tenant's slot in a lane, given back on dispose.</summary>
public sealed class LaneShare(LaneFairShare? fairShare, string lane, string tenant) : IDisposable
{
    /// <summary>A request fair share does not count (alone in the lane's accounting, or fair share off).</summary>
    public static LaneShare Untracked { get; } = new(null, "", "");

    public void Dispose() => fairShare?.Exit(lane, tenant);
}
