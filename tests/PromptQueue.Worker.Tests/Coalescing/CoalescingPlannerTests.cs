using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Batching;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;
using PromptQueue.Worker.Messaging;
using PromptQueue.Worker.Tenancy;
using PromptQueue.Worker.Tests.Embeddings;
using PromptQueue.Worker.Tests.Matching;

namespace PromptQueue.Worker.Tests.Coalescing;

public sealed class CoalescingPlannerTests : IClassFixture<EmbedderFixture>, IClassFixture<VerifierFixture>, IDisposable
{
    private readonly CountingEmbedder _embedder;
    private readonly VerifierFixture _verifier;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MessagingOptions _messaging = new() { Lanes = { ["default"] = new LaneOptions(), ["strict"] = new LaneOptions { SemanticReuse = false } } };
    private readonly TenantsOptions _tenants = new() { ByTenant = { ["exact-only-tenant"] = new TenantOptions { SemanticReuse = false } } };
    private readonly DateTimeOffset _now = DateTimeOffset.UnixEpoch;
    private int _sequence;

    public CoalescingPlannerTests(EmbedderFixture fixture, VerifierFixture verifier) => (_embedder, _verifier) = (new CountingEmbedder(fixture.Embedder), verifier);

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Three_paraphrases_and_two_unrelated_questions_make_three_groups()
    {
        var paraphrases = new[] { Pending("How do I reset my password?"), Pending("How can I reset my password?"), Pending("How can I reset my password") };
        var unrelated = new[] { Pending("What is the capital of France?"), Pending("Write a haiku about autumn.") };

        var plan = Plan([.. paraphrases, .. unrelated]);

        Assert.Equal(3, plan.Count);
        var group = Assert.Single(plan, g => g.Members.Count == 3);
        Assert.Equal(paraphrases.Select(p => p.Request.RequestId).Order(), group.Members.Select(m => m.Request.Request.RequestId).Order());
        Assert.All(group.Members.Where(m => !m.IsLeader(group)), m => Assert.InRange(m.Similarity, 0.94, 1.0));
        Assert.Equal(1, _embedder.Calls); // one embedding call for the whole batch
    }

    [Theory]
    [InlineData("Deploy the AMF with 3 replicas.", "Deploy the AMF with 5 replicas.")]
    [InlineData("Is this transaction fraudulent?", "Is this transaction not fraudulent?")]
    [InlineData("Is the API available in the EU region?", "Is the API available in the US region?")]
    public void Near_misses_that_cosine_confuses_are_not_coalesced(string a, string b)
    {
        var plan = Plan([Pending(a), Pending(b)]);

        Assert.Equal(2, plan.Count);
    }

    [Fact]
    public void Identical_prompts_of_two_tenants_are_never_coalesced()
    {
        var plan = Plan([Pending("Same question?", tenant: "a"), Pending("Same question?", tenant: "b")]);

        Assert.Equal(2, plan.Count);
        Assert.Equal(0, _embedder.Calls); // each scope holds one candidate: nothing to compare, nothing embedded
    }

    [Fact]
    public void Different_system_prompts_or_parameters_are_different_scopes()
    {
        var plain = Pending("How do I reset my password?");
        var otherSystem = Pending("How do I reset my password?", system: "Answer in French.");
        var hotter = Pending("How do I reset my password?") is var p ? Retag(p, p.Request with { Temperature = 0.5 }) : null!;

        Assert.Equal(3, Plan([plain, otherSystem, hotter]).Count);
    }

    [Fact]
    public void Leader_is_the_most_urgent_member()
    {
        var bulk = Pending("How do I reset my password?", priority: 1);
        var urgent = Pending("How can I reset my password?", priority: 9);

        var group = Assert.Single(Plan([bulk, urgent]));

        Assert.Same(urgent, group.Leader);
        Assert.Equal(9, group.Priority);
    }

    [Fact]
    public void Exact_duplicates_coalesce_even_where_semantic_reuse_is_off_but_paraphrases_do_not()
    {
        var requests = new[]
        {
            Pending("How do I reset my password?", lane: "strict"),
            Pending("How do I reset my password?", lane: "strict"),
            Pending("How can I reset my password?", lane: "strict"),
        };

        var plan = Plan(requests);

        Assert.Equal(2, plan.Count);
        Assert.Contains(plan, g => g.Members.Count == 2 && g.Members.All(m => m.Similarity == 1.0));
        Assert.Equal(0, _embedder.Calls);
    }

    [Fact]
    public void Tenant_without_semantic_reuse_gets_exact_coalescing_only()
    {
        var plan = Plan([Pending("How do I reset my password?", tenant: "exact-only-tenant"), Pending("How can I reset my password?", tenant: "exact-only-tenant")]);

        Assert.Equal(2, plan.Count);
    }

    [Theory]
    [InlineData(CachePolicy.Bypass)]
    [InlineData(CachePolicy.Refresh)]
    public void Bypass_and_refresh_requests_are_never_coalesced(CachePolicy policy)
    {
        var a = Pending("How do I reset my password?");
        var b = Retag(Pending("How do I reset my password?"), a.Request with { RequestId = "b", CachePolicy = policy });

        Assert.Equal(2, Plan([a, b]).Count);
    }

    [Fact]
    public void Exact_only_requests_coalesce_identical_prompts_only()
    {
        var a = Retag(Pending("x"), TestRequests.Valid("How do I reset my password?") with { RequestId = "a", CachePolicy = CachePolicy.ExactOnly });
        var b = Retag(Pending("x"), TestRequests.Valid("How do I reset my password?") with { RequestId = "b", CachePolicy = CachePolicy.ExactOnly });
        var c = Retag(Pending("x"), TestRequests.Valid("How can I reset my password?") with { RequestId = "c", CachePolicy = CachePolicy.ExactOnly });

        Assert.Equal(2, Plan([a, b, c]).Count);
    }

    [Fact]
    public void Last_turn_longer_than_the_model_window_is_matched_exactly_only()
    {
        var shared = string.Join(' ', Enumerable.Repeat("The quarterly report covers revenue, costs and outlook.", 40));

        var plan = Plan([Pending(shared + " Summarize it for the board."), Pending(shared + " Summarize it for the engineers.")]);

        Assert.Equal(2, plan.Count);
        Assert.Equal(0, _embedder.Calls);
    }

    [Fact]
    public void Requests_with_tools_are_matched_exactly_only()
    {
        using var tools = System.Text.Json.JsonDocument.Parse("""[{"type":"function","function":{"name":"lookup"}}]""");
        var a = Pending("How do I reset my password?");
        var b = Pending("How can I reset my password?");

        var plan = Plan([Retag(a, a.Request with { Tools = tools.RootElement.Clone() }), Retag(b, b.Request with { Tools = tools.RootElement.Clone() })]);

        Assert.Equal(2, plan.Count);
    }

    /// <summary>As the dispatcher does it: classify, embed what a semantic step compares (no cache here), plan.</summary>
    [Fact]
    public void With_the_verifier_a_paraphrase_shares_one_call_and_a_near_miss_the_cosine_would_group_does_not()
    {
        string[] texts =
        [
            "How do I reset my password?", "How can I reset my password?",
            "docker system prune removes stopped containers, unused networks and dangling images.", "docker system prune removes running containers, unused networks and dangling images.",
        ];

        var withoutVerifier = Plan([.. texts.Select(t => Pending(t))]);
        var requests = texts.Select(t => Pending(t)).ToList();
        var plan = Plan(requests, _verifier.Verifier);

        Assert.Equal(2, withoutVerifier.Count); // cosine 0.99 and 0.99: the cosine-only matcher groups both pairs
        Assert.Equal(3, plan.Count);
        var group = Assert.Single(plan, g => g.Members.Count == 2);
        Assert.Equal([requests[0].Request.RequestId, requests[1].Request.RequestId], group.Members.Select(m => m.Request.Request.RequestId).Order());
    }

    private IReadOnlyList<RequestGroup> Plan(IReadOnlyList<PendingRequest> requests, PairVerifier? verifier = null)
    {
        var metrics = new WorkerMetrics(_services.GetRequiredService<IMeterFactory>());
        var classifier = new ReuseClassifier(
            _embedder,
            new StaticOptionsMonitor<ReuseOptions>(new ReuseOptions()),
            Options.Create(_messaging),
            new TenantPolicy(new StaticOptionsMonitor<TenantsOptions>(_tenants)));
        foreach (var request in requests)
        {
            request.Reuse = classifier.Classify(request);
        }

        var embedding = new BatchEmbedding(_embedder, metrics);
        var needed = embedding.Needed(requests, semanticCache: false);
        if (needed.Count > 0)
        {
            embedding.Embed(needed, CancellationToken.None);
        }

        return new CoalescingPlanner(new SemanticMatcher(new StaticOptionsMonitor<MatchOptions>(new MatchOptions()), verifier), metrics, NullLogger<CoalescingPlanner>.Instance).PlanAsync(requests).GetAwaiter().GetResult();
    }

    private PendingRequest Pending(string text, string tenant = "acme", int priority = 5, string lane = "default", string? system = null)
    {
        var messages = new List<ChatMessage>();
        if (system is not null)
        {
            messages.Add(new ChatMessage { Role = "system", Content = system });
        }

        messages.Add(new ChatMessage { Role = "user", Content = text });
        var request = TestRequests.Valid(text) with { RequestId = $"r{++_sequence}", TenantId = tenant, Priority = priority, Messages = messages, Temperature = 0 };
        return new PendingRequest(request, lane, priority, _now.AddMilliseconds(_sequence), CancellationToken.None);
    }

    private static PendingRequest Retag(PendingRequest pending, CompletionRequest request) =>
        new(request, pending.Lane, pending.Priority, pending.ReceivedAt, CancellationToken.None);

    private sealed class CountingEmbedder(ITextEmbedder inner) : ITextEmbedder
    {
        public int Calls { get; private set; }

        public bool Fits(string text) => inner.Fits(text);

        public IReadOnlyList<Embedding> Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        {
            Calls++;
            return inner.Embed(texts, cancellationToken);
        }
    }
}
