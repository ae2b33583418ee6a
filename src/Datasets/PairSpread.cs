namespace PromptQueue.Datasets;

/// <summary>
/// How <see cref="LabelledPairs.Sample(IReadOnlyList{LabelledPair}, int, PairSpread)"/> takes <c>size</c> of a file's
/// <c>n</c> pairs, in file order. The two differ in which pairs they pick; each caller keeps the one its published
/// figures were measured with.
/// </summary>
public enum PairSpread
{
    /// <summary>Pair ⌊i × n / size⌋ for every i below size, so the sample reaches the end of the file (scripts/eval-semantic).</summary>
    Even,

    /// <summary>Every ⌊n / size⌋-th pair from the first, at most size of them; the tail of the file may go unsampled (scripts/bench cache).</summary>
    WholeStep,
}
