using Microsoft.Extensions.Options;
using PromptQueue.Worker.Embeddings;
using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Tests.Matching;

public sealed class SemanticMatcherTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    private SemanticMatcher Matcher(MatchOptions? options = null, PairVerifier? verifier = null) =>
        new(new StaticOptionsMonitor<MatchOptions>(options ?? new MatchOptions()), verifier ?? fixture.Verifier);

    private MatchQuery Query(string a, string b)
    {
        var vectors = fixture.Embedder.Embed([a, b]);
        return new MatchQuery(a, vectors[0], b, vectors[1]);
    }

    [Fact]
    public async Task Above_the_floor_the_verifier_confirms_a_paraphrase_and_refuses_a_near_miss_the_cosine_would_serve()
    {
        var paraphrase = Query("How do I reset my password?", "How can I reset my password?");
        // Cosine 0.99 and no guard fires: the cosine-only matcher would serve it.
        var nearMiss = Query("docker system prune removes stopped containers, unused networks and dangling images.", "docker system prune removes running containers, unused networks and dangling images.");

        var decisions = await Matcher().DecideAsync([paraphrase, nearMiss], "test");

        Assert.True(decisions[0].IsMatch);
        Assert.NotNull(decisions[0].Probability);
        Assert.True(decisions[1].Similarity >= new MatchOptions().SimilarityThreshold, "the cosine-only matcher would have served it");
        Assert.False(decisions[1].IsMatch);
        Assert.Equal("verifier", decisions[1].RejectedBy);
    }

    [Fact]
    public async Task With_the_guards_off_the_verifier_still_says_no_to_a_near_miss()
    {
        var query = Query("How do I enable two-factor authentication?", "How do I disable two-factor authentication?");

        var decision = Assert.Single(await Matcher(new MatchOptions { CandidateFloor = 0.85, GuardNumbers = false, GuardPolarity = false, GuardEntities = false }).DecideAsync([query], "test"));

        Assert.True(decision.Similarity >= 0.85);
        Assert.False(decision.IsMatch);
        Assert.Equal("verifier", decision.RejectedBy);
    }

    [Fact]
    public async Task Pairs_below_the_floor_and_vetoed_pairs_never_reach_the_verifier()
    {
        // Floor 0.94 (calibrated, threshold 0.99): the numbers pair is at cosine 0.98, just under the default floor.
        using var verifier = new PairVerifier(fixture.Verifier.Folder, 0.01, 0.94, 1, fixture.Runners);
        var matcher = Matcher(new MatchOptions { CandidateFloor = 0.94 }, verifier);
        var unrelated = Query("Write a haiku about autumn.", "What is the capital of France?");
        var numbers = Query("Set the retention to 30 days for the audit logs.", "Set the retention to 90 days for the audit logs.");

        var decisions = await matcher.DecideAsync([unrelated, numbers], "test");

        Assert.Equal(("similarity", (double?)null), (decisions[0].RejectedBy, decisions[0].Probability));
        Assert.Equal(("numbers", (double?)null), (decisions[1].RejectedBy, decisions[1].Probability));
    }

    [Fact]
    public async Task Without_the_verifier_the_cosine_threshold_decides()
    {
        var matcher = new SemanticMatcher(new StaticOptionsMonitor<MatchOptions>(new MatchOptions()));
        var paraphrase = Query("Is there a student discount?", "Do you offer a student discount?");
        var close = Query("How do I reset my password?", "How can I reset my password?");

        var decisions = await matcher.DecideAsync([paraphrase, close], "test");

        Assert.Equal(new MatchOptions().SimilarityThreshold, matcher.CandidateFloor);
        Assert.Equal("similarity", decisions[0].RejectedBy);
        Assert.True(decisions[1].IsMatch);
        Assert.All(decisions, d => Assert.Null(d.Probability));
    }

    [Fact]
    public async Task A_failing_verifier_falls_back_to_the_cosine_threshold()
    {
        using var broken = new PairVerifier(Options.Create(new MatchOptions()), Options.Create(new EmbeddingOptions()), fixture.Runners);
        broken.Dispose(); // its session is gone: every run throws
        var matcher = Matcher(verifier: broken);
        var paraphrase = Query("Is there a student discount?", "Do you offer a student discount?");
        var close = Query("How do I reset my password?", "How can I reset my password?");

        var decisions = await matcher.DecideAsync([paraphrase, close], "test");

        Assert.False(decisions[0].IsMatch); // below 0.94: only the verifier could have matched it
        Assert.True(decisions[1].IsMatch);
    }
}
