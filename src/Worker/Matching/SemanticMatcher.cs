using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Diagnostics;
using PromptQueue.Worker.Embeddings;

namespace PromptQueue.Worker.Matching;

/// <summary>A candidate pair: two prompts and their embeddings.</summary>
public readonly record struct MatchQuery(string TextA, Embedding A, string TextB, Embedding B);

/// <summary>
/// Decides whether two prompts ask the same thing. With the pair verifier (default): the sentence cosine must reach
/// the candidate floor, no guard may veto (numbers, polarity, named entities, where they help on top of the verifier:
/// docs/semantic-matching.md), and the verifier's probability must reach the threshold calibrated for
/// Matching:MaxWrongRate; the candidates of a whole request batch are verified in one call. Without it: the cosine
/// must reach Matching:SimilarityThreshold and no guard may veto.
/// </summary>
public sealed partial class SemanticMatcher(
    IOptionsMonitor<MatchOptions> options,
    PairVerifier? verifier = null,
    WorkerMetrics? metrics = null,
    ILogger<SemanticMatcher>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<SemanticMatcher>.Instance;

    /// <summary>The verifier in use, or null (cosine threshold only).</summary>
    public PairVerifier? Verifier => verifier;

    /// <summary>The cosine a pair needs to be looked at: the candidate floor with the verifier, else the threshold.</summary>
    public double CandidateFloor => verifier is null ? options.CurrentValue.SimilarityThreshold : options.CurrentValue.CandidateFloor;

    /// <summary>Candidates to decide per request, nearest first.</summary>
    public int MaxCandidates => verifier is null ? int.MaxValue : options.CurrentValue.MaxCandidates;

    /// <summary>Decides every pair, verifying all candidates in one batched call; <paramref name="use"/> labels the metrics.</summary>
    public async Task<MatchDecision[]> DecideAsync(IReadOnlyList<MatchQuery> queries, string use, CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        var decisions = new MatchDecision[queries.Count];
        var toVerify = new List<int>();
        for (var i = 0; i < queries.Count; i++)
        {
            var q = queries[i];
            var similarity = Embedding.Cosine(q.A, q.B);
            if (similarity < CandidateFloor)
            {
                decisions[i] = MatchDecision.Reject(similarity, "similarity");
            }
            else if (Guard(q.TextA, q.TextB, settings) is { } guard)
            {
                decisions[i] = MatchDecision.Reject(similarity, guard);
            }
            else if (verifier is null)
            {
                decisions[i] = MatchDecision.Match(similarity);
            }
            else
            {
                decisions[i] = MatchDecision.Reject(similarity, "verifier");
                toVerify.Add(i);
            }
        }

        if (toVerify.Count > 0 && verifier is not null)
        {
            await VerifyAsync(verifier, queries, toVerify, decisions, use, settings, cancellationToken);
        }

        return decisions;
    }

    private async Task VerifyAsync(PairVerifier model, IReadOnlyList<MatchQuery> queries, List<int> toVerify, MatchDecision[] decisions, string use, MatchOptions settings, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var probabilities = await model.ScoreAsync([.. toVerify.Select(i => new TextPair(queries[i].TextA, queries[i].TextB))], cancellationToken);
            var matched = 0;
            for (var k = 0; k < toVerify.Count; k++)
            {
                var i = toVerify[k];
                var p = probabilities[k];
                var match = p >= model.Threshold;
                matched += match ? 1 : 0;
                decisions[i] = match ? MatchDecision.Match(decisions[i].Similarity, p) : MatchDecision.Reject(decisions[i].Similarity, "verifier", p);
            }

            metrics?.Verified(use, matched, toVerify.Count - matched, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Semantic reuse saves money; it must never cost an answer. Without the verifier, only what the cosine
            // threshold alone would have accepted matches.
            LogVerifierFailed(_logger, ex, toVerify.Count);
            foreach (var i in toVerify)
            {
                if (decisions[i].Similarity >= settings.SimilarityThreshold)
                {
                    decisions[i] = MatchDecision.Match(decisions[i].Similarity);
                }
            }
        }
    }

    /// <summary>The cosine-threshold decision alone (no verifier): the behaviour with Matching:UseVerifier off.</summary>
    public static MatchDecision Decide(string textA, Embedding a, string textB, Embedding b, MatchOptions settings)
    {
        var similarity = Embedding.Cosine(a, b);
        if (similarity < settings.SimilarityThreshold)
        {
            return MatchDecision.Reject(similarity, "similarity");
        }

        return Guard(textA, textB, settings) is { } guard ? MatchDecision.Reject(similarity, guard) : MatchDecision.Match(similarity);
    }

    /// <summary>The first guard that tells the two texts apart, or null.</summary>
    public static string? Guard(string textA, string textB, MatchOptions settings)
    {
        if (settings.GuardNumbers && !LexicalGuards.SameNumbers(textA, textB))
        {
            return "numbers";
        }

        if (settings.GuardPolarity && !LexicalGuards.SamePolarity(textA, textB))
        {
            return "polarity";
        }

        if (settings.GuardEntities && !LexicalGuards.SameEntities(textA, textB))
        {
            return "entities";
        }

        return null;
    }

    [LoggerMessage(EventId = 1520, Level = LogLevel.Error, Message = "The pair verifier failed on {Count} candidate pairs; they matched on the cosine threshold alone")]
    private static partial void LogVerifierFailed(ILogger logger, Exception exception, int count);
}
