using System.Diagnostics;

namespace PromptQueue.Worker.Diagnostics;

/// <summary>
/// The worker's own spans. A request's consume span (MassTransit's, continuing the producer's traceparent) ends in
/// the micro-batcher; the provider call runs later on the batch's flow, so a "process" span is started with the
/// leader's consume context as parent and every coalesced member's as a link: the provider HTTP span (System.Net.Http)
/// and the result publish then belong to the request's trace.
/// </summary>
public static class WorkerActivities
{
    public const string SourceName = "PromptQueue.Worker";

    private static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartProcess(ActivityContext leader, IEnumerable<ActivityContext> members, string model, int groupSize)
    {
        var links = members.Where(c => c != default && c != leader).Select(c => new ActivityLink(c)).ToList();
        var activity = Source.StartActivity("promptqueue process", ActivityKind.Internal, leader, links: links);
        activity?.SetTag("gen_ai.request.model", model);
        activity?.SetTag("promptqueue.group_size", groupSize);
        return activity;
    }
}
