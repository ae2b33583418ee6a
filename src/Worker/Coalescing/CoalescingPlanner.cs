using System.Diagnostics;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Tenancy;

namespace PromptQueue.Worker.Coalescing;

/// <summary>
/// Splits a micro-batch into groups that one provider call answers: exact duplicates within a scope, then
/// near-duplicates (one embedding call for the whole batch, then greedy leader clustering in priority order: each
/// request joins the most similar leader of its scope that the matcher accepts, or leads a group of its own).
/// Requests that may not share an answer (bypass/refresh, hot sampling) stay alone. Nothing is embedded unless its
/// scope holds at least two candidates.
/// </summary>
public sealed partial class CoalescingPlanner(
    ITextEmbedder embedder,
    SemanticMatcher matcher,
    IOptionsMonitor<ReuseOptions> reuse,
    IOptions<MessagingOptions> messaging,
    TenantPolicy tenants,
    WorkerMetrics metrics,
    ILogger<CoalescingPlanner> logger)
{
    public IReadOnlyList<RequestGroup> Plan(IReadOnlyList<PendingRequest> requests, CancellationToken cancellationToken)
    {
        var ordered = requests.OrderByDescending(r => r.Priority).ThenBy(r => r.ReceivedAt).ToList();
        var groups = new List<GroupBuilder>(ordered.Count);
        var byExactKey = new Dictionary<string, GroupBuilder>(StringComparer.Ordinal);
        foreach (var request in ordered)
        {
            var reuseKind = Classify(request, out var text);
            if (reuseKind == ReuseKind.None)
            {
                groups.Add(new GroupBuilder(request, scope: null, text: null));
                continue;
            }

            var scope = RequestFingerprint.Scope(request.Request);
            var exact = RequestFingerprint.Exact(request.Request, scope);
            if (byExactKey.TryGetValue(exact, out var same))
            {
                same.Add(request, 1.0);
                continue;
            }

            var group = new GroupBuilder(request, scope, reuseKind == ReuseKind.Semantic ? text : null);
            byExactKey[exact] = group;
            groups.Add(group);
        }

        MergeNearDuplicates(groups, cancellationToken);
        var plan = groups.Where(g => !g.Absorbed).Select(g => g.Build()).ToList();
        var lane = requests.Count > 0 ? requests[0].Lane : "";
        metrics.BatchPlanned(lane, plan.Count, requests.Count - plan.Count);
        return plan;
    }

    private void MergeNearDuplicates(List<GroupBuilder> groups, CancellationToken cancellationToken)
    {
        var scopes = groups.Where(g => g.Text is not null).GroupBy(g => g.Scope!, StringComparer.Ordinal).Where(s => s.Count() >= 2).ToList();
        var candidates = scopes.SelectMany(s => s).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var embeddings = embedder.Embed([.. candidates.Select(c => c.Text!)], cancellationToken);
        metrics.Embedded(candidates.Count, Stopwatch.GetElapsedTime(started));
        for (var i = 0; i < candidates.Count; i++)
        {
            candidates[i].Embedding = embeddings[i];
        }

        foreach (var scope in scopes)
        {
            var leaders = new List<GroupBuilder>();
            foreach (var group in scope)
            {
                GroupBuilder? best = null;
                var bestSimilarity = double.MinValue;
                foreach (var leader in leaders)
                {
                    var decision = matcher.Decide(leader.Text!, leader.Embedding!, group.Text!, group.Embedding!);
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

    private ReuseKind Classify(PendingRequest pending, out string? text)
    {
        var request = pending.Request;
        text = null;
        if (request.CachePolicy is CachePolicy.Bypass or CachePolicy.Refresh || request.Temperature > reuse.CurrentValue.MaxTemperature)
        {
            return ReuseKind.None;
        }

        if (request.CachePolicy == CachePolicy.ExactOnly || request.Tools is not null || !SemanticAllowed(pending))
        {
            return ReuseKind.Exact;
        }

        text = RequestFingerprint.LastUserText(request);
        // all-MiniLM-L6-v2 reads 256 word pieces and drops the rest: a longer turn could differ where it cannot see.
        return text is not null && embedder.Fits(text) ? ReuseKind.Semantic : ReuseKind.Exact;
    }

    private bool SemanticAllowed(PendingRequest pending)
    {
        var lane = messaging.Value.EffectiveLanes.TryGetValue(pending.Lane, out var laneOptions) ? laneOptions.SemanticReuse : null;
        var tenant = tenants.For(pending.Request.TenantId).SemanticReuse;
        return (lane ?? reuse.CurrentValue.SemanticByDefault) && (tenant ?? true);
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Debug, Message = "Request {RequestId} not coalesced with {LeaderId}: similarity {Similarity:0.000} but the {Guard} guard differs")]
    private static partial void LogGuardRejected(ILogger logger, string requestId, string leaderId, double similarity, string guard);

    private enum ReuseKind
    {
        None,
        Exact,
        Semantic,
    }

    private sealed class GroupBuilder(PendingRequest leader, string? scope, string? text)
    {
        private readonly List<GroupMember> _members = [new GroupMember(leader, 1.0)];

        public PendingRequest Leader { get; } = leader;

        public string? Scope { get; } = scope;

        public string? Text { get; } = text;

        public Embedding? Embedding { get; set; }

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
