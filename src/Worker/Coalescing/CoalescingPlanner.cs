using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Coalescing;

/// <summary>
/// Splits a micro-batch into groups that one provider call answers: exact duplicates within a scope, then
/// near-duplicates (greedy leader clustering in priority order: each request joins the most similar leader of its
/// scope that the matcher accepts, or leads a group of its own). The matcher decides each request against its
/// nearest earlier requests of the scope (at most Matching:MaxCandidates, at or above the candidate floor), all pairs
/// of the batch in one call, so the pair verifier runs once per batch. Requests arrive classified
/// (<see cref="ReuseClassifier"/>) and, where a semantic step applies, embedded (<see cref="BatchEmbedding"/>);
/// requests that may not share an answer (bypass, refresh, hot sampling) stay alone.
/// </summary>
public sealed partial class CoalescingPlanner(
    SemanticMatcher matcher,
    WorkerMetrics metrics,
    ILogger<CoalescingPlanner> logger)
{
    public async Task<IReadOnlyList<RequestGroup>> PlanAsync(IReadOnlyList<PendingRequest> requests, CancellationToken cancellationToken = default)
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

        await MergeNearDuplicatesAsync(groups, cancellationToken);
        var plan = groups.Where(g => !g.Absorbed).Select(g => g.Build()).ToList();
        var lane = requests.Count > 0 ? requests[0].Lane : "";
        metrics.BatchPlanned(lane, plan.Count, requests.Count - plan.Count);
        return plan;
    }

    private async Task MergeNearDuplicatesAsync(List<GroupBuilder> groups, CancellationToken cancellationToken)
    {
        var scopes = groups.Where(g => g.Text is not null).GroupBy(g => g.Scope!, StringComparer.Ordinal).Select(s => s.ToList()).Where(s => s.Count >= 2).ToList();
        if (scopes.Count == 0)
        {
            return;
        }

        // Each group against its nearest earlier groups of the scope: the only ones it could join.
        var (floor, perGroup) = (matcher.CandidateFloor, matcher.MaxCandidates);
        var pairs = new List<(GroupBuilder Earlier, GroupBuilder Later)>();
        foreach (var scope in scopes)
        {
            for (var j = 1; j < scope.Count; j++)
            {
                var later = scope[j];
                pairs.AddRange(scope.Take(j)
                    .Select(earlier => (earlier, similarity: Embedding.Cosine(earlier.Leader.Embedding!, later.Leader.Embedding!)))
                    .Where(x => x.similarity >= floor)
                    .OrderByDescending(x => x.similarity)
                    .Take(perGroup)
                    .Select(x => (x.earlier, later)));
            }
        }

        var decisions = await matcher.DecideAsync(
            [.. pairs.Select(p => new MatchQuery(p.Earlier.Text!, p.Earlier.Leader.Embedding!, p.Later.Text!, p.Later.Leader.Embedding!))],
            "coalescing", cancellationToken);
        var byLater = pairs.Select((p, k) => (p, decision: decisions[k])).ToLookup(x => x.p.Later);
        foreach (var scope in scopes)
        {
            var leaders = new HashSet<GroupBuilder> { scope[0] };
            foreach (var group in scope.Skip(1))
            {
                GroupBuilder? best = null;
                var bestSimilarity = double.MinValue;
                foreach (var ((earlier, _), decision) in byLater[group])
                {
                    if (!leaders.Contains(earlier))
                    {
                        continue; // it joined another group: this request may join that group's leader only
                    }

                    if (decision.IsMatch && decision.Similarity > bestSimilarity)
                    {
                        best = earlier;
                        bestSimilarity = decision.Similarity;
                    }
                    else if (!decision.IsMatch && decision.RejectedBy is not "similarity")
                    {
                        LogNotCoalesced(logger, group.Leader.Request.RequestId, earlier.Leader.Request.RequestId, decision.Similarity, decision.RejectedBy!);
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

    [LoggerMessage(EventId = 1500, Level = LogLevel.Debug, Message = "Request {RequestId} not coalesced with {LeaderId}: similarity {Similarity:0.000} but the {Check} check said no")]
    private static partial void LogNotCoalesced(ILogger logger, string requestId, string leaderId, double similarity, string check);

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
