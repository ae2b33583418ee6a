namespace PromptQueue.Datasets;

/// <summary>Two texts and whether they mean the same (the duplicate flag of the GPTCache benchmark's Quora pairs).</summary>
public sealed record LabelledPair(string A, string B, bool Duplicate);
