using System.Text.RegularExpressions;

namespace PromptQueue.Datasets;

/// <summary>
/// Variants of training questions made by rule, to teach a pair verifier what cosine similarity blurs. Near-misses
/// (label: not the same): another number, the negation added or removed, a word swapped for its opposite, another
/// entity of the same kind (country, language, programming language, product), another output format. Paraphrases
/// (label: the same): wording that never changes the question ("How do I" / "How can I", contractions, a polite
/// "please"). Deterministic for a seed; made only from the questions given (a training split's).
/// </summary>
public static partial class RuleVariants
{
    private static readonly string[][] Opposites =
    [
        ["enable", "disable"], ["enabled", "disabled"], ["increase", "decrease"], ["increases", "decreases"],
        ["before", "after"], ["best", "worst"], ["buy", "sell"], ["add", "remove"], ["start", "stop"], ["open", "close"],
        ["maximum", "minimum"], ["more", "less"], ["first", "last"], ["upload", "download"], ["import", "export"],
        ["encrypt", "decrypt"], ["male", "female"], ["men", "women"], ["cheap", "expensive"], ["win", "lose"],
        ["higher", "lower"], ["faster", "slower"], ["good", "bad"], ["advantages", "disadvantages"], ["pros", "cons"],
        ["gain", "lose"], ["rich", "poor"], ["success", "failure"], ["love", "hate"], ["easy", "hard"],
        ["legal", "illegal"], ["possible", "impossible"], ["safe", "dangerous"], ["true", "false"], ["up", "down"],
        ["join", "leave"], ["hire", "fire"], ["accept", "reject"], ["include", "exclude"], ["input", "output"],
        ["client", "server"], ["send", "receive"], ["push", "pull"], ["read", "write"], ["install", "uninstall"],
        ["subscribe", "unsubscribe"], ["activate", "deactivate"], ["lock", "unlock"], ["import", "export"],
    ];

    private static readonly string[][] Kinds =
    [
        ["India", "China", "Pakistan", "USA", "UK", "Canada", "Australia", "Austria", "Germany", "France", "Japan", "Brazil", "Russia", "Mexico", "Italy", "Spain", "Nigeria", "Singapore"],
        ["Python", "Java", "JavaScript", "C++", "C#", "Ruby", "Go", "PHP", "Rust", "Swift", "Kotlin"],
        ["English", "French", "German", "Spanish", "Hindi", "Chinese", "Japanese", "Italian", "Portuguese", "Arabic", "Russian"],
        ["iPhone", "Android", "Windows", "Mac", "Linux", "iOS"],
        ["Google", "Facebook", "Amazon", "Microsoft", "Apple", "Netflix", "Uber", "Twitter", "Quora", "LinkedIn"],
        ["Delhi", "Mumbai", "Bangalore", "Chennai", "Hyderabad", "Pune", "Kolkata", "London", "Paris", "Tokyo", "Boston", "Chicago"],
        ["JSON", "CSV", "XML", "YAML", "HTML", "Markdown", "PDF"],
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    ];

    private static readonly string[] NumberWords = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

    private static readonly (string From, string To)[] SameMeaning =
    [
        ("How do I ", "How can I "), ("How can I ", "How do I "), ("What is ", "What's "), ("What's ", "What is "),
        ("Can you ", "Could you "), ("Could you ", "Can you "), ("How do you ", "How does one "), ("Which is ", "What is "),
        ("don't", "do not"), ("do not", "don't"), ("can't", "cannot"), ("cannot", "can't"), ("isn't", "is not"), ("is not", "isn't"),
        ("What are some ", "What are a few "), ("What are the best ways ", "What are the best methods "),
    ];

    /// <summary>At most <paramref name="perQuestion"/> variants of each question (near-misses first), in a seeded order.</summary>
    public static List<KindedPair> From(IEnumerable<string> questions, int seed, int perQuestion = 1)
    {
        var random = new Random(seed);
        var variants = new List<KindedPair>();
        foreach (var question in questions)
        {
            var made = Candidates(question, random).Where(v => !string.Equals(v.Pair.B, question, StringComparison.Ordinal)).ToList();
            // Near-misses are the point; a paraphrase only where no near-miss rule applies to the question.
            var chosen = made.Where(v => !v.Pair.Duplicate).OrderBy(_ => random.Next()).Take(perQuestion).ToList();
            if (chosen.Count == 0)
            {
                chosen = [.. made.Where(v => v.Pair.Duplicate).OrderBy(_ => random.Next()).Take(1)];
            }

            variants.AddRange(chosen);
        }

        return variants;
    }

    /// <summary>
    /// Near-misses of same-meaning pairs: for each pair (a, b) labelled the same, a near-miss rule applied to b gives
    /// (a, changed b), labelled not the same, of kind "reworded-" and the rule. Unlike <see cref="From"/>'s one-edit
    /// variants, its two sides differ in wording and in meaning at once, which is what the verifier was confidently
    /// wrong on (negations and scope changes in other words). At most one a pair, in a seeded choice.
    /// </summary>
    public static List<KindedPair> OfParaphrases(IEnumerable<LabelledPair> pairs, int seed)
    {
        var random = new Random(seed);
        var variants = new List<KindedPair>();
        foreach (var pair in pairs.Where(p => p.Duplicate))
        {
            var made = Candidates(pair.B, random)
                .Where(v => !v.Pair.Duplicate && !string.Equals(v.Pair.B, pair.B, StringComparison.Ordinal))
                .ToList();
            if (made.Count > 0)
            {
                var chosen = made[random.Next(made.Count)];
                variants.Add(new KindedPair(new LabelledPair(pair.A, chosen.Pair.B, false), "reworded-" + chosen.Kind, "rule"));
            }
        }

        return variants;
    }

    private static IEnumerable<KindedPair> Candidates(string question, Random random)
    {
        if (ChangeNumber(question, random) is { } number)
        {
            yield return NearMiss(question, number, "number");
        }

        if (FlipNegation(question) is { } negated)
        {
            yield return NearMiss(question, negated, "negation");
        }

        if (SwapWord(question, Opposites, random, caseSensitive: false) is { } opposite)
        {
            yield return NearMiss(question, opposite, "opposite");
        }

        if (SwapWord(question, Kinds, random, caseSensitive: true) is { } entity)
        {
            yield return NearMiss(question, entity, "entity");
        }

        foreach (var (from, to) in SameMeaning)
        {
            var at = question.IndexOf(from, StringComparison.Ordinal);
            if (at >= 0)
            {
                yield return new KindedPair(new LabelledPair(question, string.Concat(question.AsSpan(0, at), to, question.AsSpan(at + from.Length)), true), "paraphrase", "rule");
                break;
            }
        }
    }

    private static KindedPair NearMiss(string question, string variant, string kind) => new(new LabelledPair(question, variant, false), kind, "rule");

    private static string? ChangeNumber(string question, Random random)
    {
        var digits = Digits().Match(question);
        if (digits.Success && long.TryParse(digits.Value, out var value) && value < 1_000_000_000)
        {
            var other = value switch
            {
                0 => 1,
                < 10 => value + random.Next(1, 4),
                _ => random.Next(2) == 0 ? value * 2 : Math.Max(1, value / 2 + 1),
            };
            return string.Concat(question.AsSpan(0, digits.Index), other.ToString(System.Globalization.CultureInfo.InvariantCulture), question.AsSpan(digits.Index + digits.Length));
        }

        var words = question.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var index = Array.IndexOf(NumberWords, words[i].ToLowerInvariant());
            if (index >= 0)
            {
                words[i] = NumberWords[(index + 1 + random.Next(3)) % NumberWords.Length];
                return string.Join(' ', words);
            }
        }

        return null;
    }

    private static string? FlipNegation(string question)
    {
        var negation = Negation().Match(question);
        if (negation.Success)
        {
            return Spaces().Replace(question.Remove(negation.Index, negation.Length).Insert(negation.Index, negation.Groups["aux"].Value + " "), " ");
        }

        // "Is it safe …" → "Is it not safe …"; else "X is Y" → "X is not Y" (never "What is not …").
        var leading = LeadingAuxiliary().Match(question);
        if (leading.Success)
        {
            return question.Insert(leading.Index + leading.Length, "not ");
        }

        var copula = Copula().Match(question);
        return copula.Success ? question.Insert(copula.Index + copula.Length, " not") : null;
    }

    private static string? SwapWord(string question, string[][] groups, Random random, bool caseSensitive)
    {
        var comparison = caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var words = question.Split(' ');
        foreach (var i in Enumerable.Range(0, words.Length).OrderBy(_ => random.Next()))
        {
            var word = words[i].TrimEnd('?', '.', ',', '!', ':', ';');
            var group = groups.FirstOrDefault(g => g.Any(w => string.Equals(w, word, comparison)));
            if (group is null || word.Length == 0)
            {
                continue;
            }

            var others = group.Where(w => !string.Equals(w, word, StringComparison.OrdinalIgnoreCase)).ToArray();
            var replacement = others[random.Next(others.Length)];
            if (!caseSensitive && char.IsUpper(word[0]))
            {
                replacement = char.ToUpperInvariant(replacement[0]) + replacement[1..];
            }

            words[i] = replacement + words[i][word.Length..];
            return string.Join(' ', words);
        }

        return null;
    }

    [GeneratedRegex(@"\b\d+\b")]
    private static partial Regex Digits();

    [GeneratedRegex(@"\b(?<aux>is|are|was|were|do|does|did|can|should|would|will|could|has|have)(?:n't| not)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Negation();

    [GeneratedRegex(@"^(Is|Are|Can|Should|Does|Do|Did|Will|Would|Could|Was|Were) (it|there|this|that|he|she|they|we|I|you) ")]
    private static partial Regex LeadingAuxiliary();

    [GeneratedRegex(@"(?<!\b(?:[Ww]hat|[Ww]hich|[Ww]ho|[Ww]here|[Ww]hen|[Ww]hy|[Hh]ow|[Ww]hose|[Tt]here|[Tt]hat|[Ii]t)\s)(?<=\w )(is|are|was|were)\b")]
    private static partial Regex Copula();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();
}
