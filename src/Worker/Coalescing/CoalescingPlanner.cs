using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Coalescing;

/// <summary>
/// Splits a micro-batch into groups that one provider call answers: exact duplicates within a scope, then
/// near-duplicates (greedy leader clustering in priority order: each request joins the most similar leader of its
/// scope that the matcher accepts, or leads a group of its own). Requests arrive classified
/// (<see cref="ReuseClassifier"/>) and, where a semantic step applies, embedded (<see cref="BatchEmbedding"/>);
/// requests that may not share an answer (bypass, refresh, hot sampling) stay alone.
/// </summary>
public sealed partial class CoalescingPlanner(
    SemanticMatcher matcher,
    WorkerMetrics metrics,
    ILogger<CoalescingPlanner> logger)
{
    public IReadOnlyList<RequestGroup> Plan(IReadOnlyList<PendingRequest> requests)
    {
        var ordered = requests.OrderByDescending(r => r.Priority).ThenBy(r => r.ReceivedAt).ToList();
        var groups = new List<GroupBuilder>(ordered.Count);
        var byExactKey = new Dictionary<string, GroupBuilder>(StringComparer.Ordinal);
        foreach (var request in ordered)
        {
            var reuse = request.Reuse;
            // Refresh asks for a new answer: it never joins another request's call.
            if (reuse is null || reuse.Kind == ReuseKind.None || request.Request.CachePolicy == CachePolicy.Refresh)
            {
                groups.Add(new GroupBuilder(request, scope: null, text: null));
                continue;
            }

            if (byExactKey.TryGetValue(reuse.ExactKey!, out var same))
            {
                same.Add(request, 1.0);
                continue;
            }

            var group = new GroupBuilder(request, reuse.Scope, reuse.Kind == ReuseKind.Semantic && request.Embedding is not null ? reuse.Text : null);
            byExactKey[reuse.ExactKey!] = group;
            groups.Add(group);
        }

        MergeNearDuplicates(groups);
        var plan = groups.Where(g => !g.Absorbed).Select(g => g.Build()).ToList();
        var lane = requests.Count > 0 ? requests[0].Lane : "";
        metrics.BatchPlanned(lane, plan.Count, requests.Count - plan.Count);
        return plan;
    }

    private void MergeNearDuplicates(List<GroupBuilder> groups)
    {
        var scopes = groups.Where(g => g.Text is not null).GroupBy(g => g.Scope!, StringComparer.Ordinal).Where(s => s.Count() >= 2);
        foreach (var scope in scopes)
        {
            var leaders = new List<GroupBuilder>();
            foreach (var group in scope)
            {
                GroupBuilder? best = null;
                var bestSimilarity = double.MinValue;
                foreach (var leader in leaders)
                {
                    var decision = matcher.Decide(leader.Text!, leader.Leader.Embedding!, group.Text!, group.Leader.Embedding!);
                    if (decision.IsMatch && decision.Similarity > bestSimilarity)
                    {
                        best = leader;
                        bestSimilarity = decision.Similarity;
                    }
                    else if (!decision.IsMatch && decision.RejectedBy is not "similarity")
                    {
                        LogGuardRejected(logger, group.Leader.Request.RequestId, leader.Leader.Request.RequestId, decision.Similarity, decision.RejectedBy!);
                    }
                }

                if (best is null)
                {
                    leaders.Add(group);
                }
                else
                {
                    best.Absorb(group, bestSimilarity);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Debug, Message = "Request {RequestId} not coalesced with {LeaderId}: similarity {Similarity:0.000} but the {Guard} guard differs")]
    private static partial void LogGuardRejected(ILogger logger, string requestId, string leaderId, double similarity, string guard);

    private sealed class GroupBuilder(PendingRequest leader, string? scope, string? text)
    {
        private readonly List<GroupMember> _members = [new GroupMember(leader, 1.0)];

        public PendingRequest Leader { get; } = leader;

        public string? Scope { get; } = scope;

        public string? Text { get; } = text;

        public bool Absorbed { get; private set; }

        public void Add(PendingRequest request, double similarity) => _members.Add(new GroupMember(request, similarity));

        public void Absorb(GroupBuilder other, double similarity)
        {
            foreach (var member in other._members)
            {
                _members.Add(new GroupMember(member.Request, similarity));
            }

            other.Absorbed = true;
        }

        public RequestGroup Build() => new(Leader, _members);
    }
}
