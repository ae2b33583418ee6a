using PromptQueue.Datasets;

namespace PromptQueue.VerifierTraining.Tests;

/// <summary>
/// Near-misses whose wording and meaning both differ from the other side: the written <c>near_miss_reworded</c> field
/// and the rule-made near-misses of paraphrase pairs' second sides.
/// </summary>
public sealed class RewordedNearMissTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("reworded-").FullName;

    [Fact]
    public void A_reworded_near_miss_is_not_the_same_as_any_paraphrase_and_the_same_as_the_near_miss()
    {
        var path = Path.Combine(_folder, "tech-statements-train-3.jsonl");
        File.WriteAllText(path, """
            {"id": "x-01", "topic": "npm", "original": "npm skips postinstall scripts with --ignore-scripts.", "paraphrase": "With --ignore-scripts, postinstall scripts are not run by npm.", "paraphrase_2": "--ignore-scripts stops npm running postinstall.", "near_miss": "npm runs postinstall scripts with --ignore-scripts.", "near_miss_kind": "negation", "near_miss_reworded": "Even when you pass --ignore-scripts, npm still executes postinstall scripts."}
            """);

        var pairs = WrittenPairs.Statements(path).ToList();
        const string Reworded = "Even when you pass --ignore-scripts, npm still executes postinstall scripts.";

        var withReworded = pairs.Where(p => p.Pair.B == Reworded).ToList();
        Assert.Equal(4, withReworded.Count);
        Assert.Single(withReworded, p => p.Pair.Duplicate && p.Pair.A == "npm runs postinstall scripts with --ignore-scripts.");
        Assert.All(withReworded.Where(p => !p.Pair.Duplicate), p => Assert.Equal("negation", p.Kind));
        Assert.Equal(3 + 3 + 4, pairs.Count);
    }

    [Fact]
    public void Rule_near_misses_of_paraphrase_pairs_change_the_second_side_and_skip_near_miss_pairs()
    {
        LabelledPair[] pairs =
        [
            new("How do I enable two-factor login?", "What are the steps to enable 2FA on my account?", true),
            new("Is Python good for beginners?", "Is Python a good first language?", true),
            new("How do I enable dark mode?", "How do I disable dark mode?", false),
            new("Why is the sky blue?", "What makes the sky look blue?", true),
        ];

        var made = RuleVariants.OfParaphrases(pairs, seed: 1);

        Assert.All(made, v => Assert.False(v.Pair.Duplicate));
        Assert.All(made, v => Assert.StartsWith("reworded-", v.Kind, StringComparison.Ordinal));
        Assert.DoesNotContain(made, v => v.Pair.A == "How do I enable dark mode?");
        var twoFactor = Assert.Single(made, v => v.Pair.A == "How do I enable two-factor login?");
        Assert.Equal("What are the steps to disable 2FA on my account?", twoFactor.Pair.B);
        Assert.Contains(made, v => v.Pair.A == "Is Python good for beginners?" && v.Pair.B != "Is Python a good first language?");
        Assert.Equal(made, RuleVariants.OfParaphrases(pairs, seed: 1));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
