using PromptQueue.Worker.Matching;

namespace PromptQueue.SemanticEval;

/// <summary>
/// The worker's pair verifier with its probabilities remembered by pair, so every matcher variant (guards on or off,
/// another threshold) and every protocol scores a pair once. <see cref="Prefetch"/> scores what is missing in one
/// batched call, as the worker does per request batch.
/// </summary>
public sealed class VerifierScores(PairVerifier verifier)
{
    private readonly Dictionary<TextPair, double> _known = [];

    public PairVerifier Verifier => verifier;

    /// <summary>Pairs scored so far (each once).</summary>
    public int Scored => _known.Count;

    public TimeSpan Elapsed { get; private set; }

    public void Prefetch(IEnumerable<TextPair> pairs)
    {
        var missing = pairs.Where(p => !_known.ContainsKey(p)).Distinct().ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var probabilities = verifier.ScoreAsync(missing).GetAwaiter().GetResult();
        Elapsed += clock.Elapsed;
        for (var i = 0; i < missing.Count; i++)
        {
            _known[missing[i]] = probabilities[i];
        }
    }

    public double Probability(string a, string b)
    {
        var pair = new TextPair(a, b);
        if (!_known.TryGetValue(pair, out var p))
        {
            Prefetch([pair]);
            p = _known[pair];
        }

        return p;
    }
}
