using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace PromptQueue.Worker.Matching;

/// <summary>
/// Differences that sentence embeddings blur but that change the answer: the numbers a prompt mentions
/// ("3 replicas" vs "5 replicas"), its polarity (negation, or a word swapped for its opposite), and the named
/// entities it is about ("EU" vs "US" region). Small fixed word lists, no language model: cheap, predictable,
/// and measured in docs/semantic-matching.md.
/// </summary>
public static partial class LexicalGuards
{
    private static readonly FrozenSet<string> NumberWords = new[]
    {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty",
        "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion", "first", "second",
        "third", "fourth", "fifth", "half", "double", "twice", "single", "dozen",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> NegationWords = new[]
    {
        "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "cant", "dont", "doesnt",
        "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "shouldnt", "couldnt", "hasnt", "havent", "hadnt",
        "mustnt", "neednt", "aint", "nowhere", "unable",
        // Verbs that negate what follows ("docker pull fails instead of fetching", "npm skips postinstall scripts"):
        // the pair verifier read such reworded negations as paraphrases at 0.97-0.99 (docs/semantic-matching.md).
        "fail", "fails", "failed", "failing", "skip", "skips", "skipped", "skipping", "refuse", "refuses", "refused", "refusing",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Questions about a different kind of thing: "Who pays the commission?" vs "When is the commission paid?". Only
    // words that are not interchangeable in a paraphrase ("what"/"how"/"which" often are, so they are not here).
    private static readonly FrozenSet<string> QuestionWords = new[] { "who", "whom", "whose", "when", "where", "why" }.ToFrozenSet(StringComparer.Ordinal);

    // Each pair: a word and its opposite. A prompt that uses one where the other uses its opposite asks the reverse.
    private static readonly FrozenDictionary<string, string> Opposites = BuildOpposites(
        ("higher", "lower"), ("more", "less"), ("most", "least"), ("maximum", "minimum"), ("max", "min"), ("best", "worst"),
        ("better", "worse"), ("add", "remove"), ("increase", "decrease"), ("enable", "disable"), ("before", "after"),
        ("positive", "negative"), ("happy", "unhappy"), ("true", "false"), ("open", "close"), ("start", "stop"),
        ("upload", "download"), ("import", "export"), ("encrypt", "decrypt"), ("allow", "deny"), ("accept", "reject"),
        ("buy", "sell"), ("win", "lose"), ("advantages", "disadvantages"), ("benefits", "risks"), ("pros", "cons"),
        ("legal", "illegal"), ("safe", "unsafe"), ("easy", "hard"), ("cheap", "expensive"), ("fast", "slow"),
        ("with", "without"), ("above", "below"), ("inside", "outside"), ("first", "last"), ("old", "new"),
        ("beginner", "expert"), ("input", "output"), ("client", "server"), ("debit", "credit"), ("male", "female"),
        ("men", "women"), ("man", "woman"), ("boy", "girl"), ("boys", "girls"), ("husband", "wife"), ("father", "mother"),
        ("son", "daughter"), ("north", "south"), ("east", "west"), ("treat", "prevent"), ("treated", "prevented"),
        ("treatment", "prevention"), ("cure", "cause"));

    private static readonly FrozenSet<string> DirectionWords = new[] { "from", "to", "into", "than", "vs", "versus", "onto", "of", "against" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> Articles = new[] { "a", "an", "the", "my", "our", "your", "its", "their" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The numbers a text mentions, digits and number words alike, normalised ("3.0" is "3"; "Q3" counts).</summary>
    public static IReadOnlySet<string> Numbers(string text) => NumberSequence(text).ToHashSet(StringComparer.Ordinal);

    private static List<string> NumberSequence(string text)
    {
        var numbers = new List<string>();
        foreach (var word in Words(text))
        {
            if (NumberWords.Contains(word))
            {
                numbers.Add(word);
            }
            else if (word.Any(char.IsAsciiDigit))
            {
                numbers.Add(NormaliseNumber(word));
            }
        }

        return numbers;
    }

    /// <summary>True when the values both sequences share appear in the same relative order (first occurrences).</summary>
    private static bool SameOrder(IEnumerable<string> a, IEnumerable<string> b)
    {
        var orderA = a.Distinct(StringComparer.Ordinal).ToList();
        var orderB = b.Distinct(StringComparer.Ordinal).ToList();
        var shared = orderA.Intersect(orderB, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        return orderA.Where(shared.Contains).SequenceEqual(orderB.Where(shared.Contains), StringComparer.Ordinal);
    }

    /// <summary>
    /// The same numbers, in the same order ("convert 3 to 5" is not "convert 5 to 3"), and where both texts put a unit
    /// of time or size after a number, the same unit ("a 30-minute timeout" is not "a 30-hour timeout").
    /// </summary>
    public static bool SameNumbers(string a, string b)
    {
        var numbersA = Numbers(a);
        return numbersA.SetEquals(Numbers(b)) && SameOrder(NumberSequence(a), NumberSequence(b)) && SameUnits(a, b);
    }

    // Units whose change keeps the number and changes the meaning; plural and short forms map to one name.
    private static readonly FrozenDictionary<string, string> Units = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ms"] = "millisecond", ["millisecond"] = "millisecond", ["milliseconds"] = "millisecond",
        ["s"] = "second", ["sec"] = "second", ["secs"] = "second", ["second"] = "second", ["seconds"] = "second",
        ["min"] = "minute", ["mins"] = "minute", ["minute"] = "minute", ["minutes"] = "minute",
        ["h"] = "hour", ["hr"] = "hour", ["hrs"] = "hour", ["hour"] = "hour", ["hours"] = "hour",
        ["day"] = "day", ["days"] = "day", ["week"] = "week", ["weeks"] = "week", ["month"] = "month", ["months"] = "month",
        ["year"] = "year", ["years"] = "year",
        ["b"] = "byte", ["byte"] = "byte", ["bytes"] = "byte", ["kb"] = "kb", ["kib"] = "kb", ["mb"] = "mb", ["mib"] = "mb",
        ["gb"] = "gb", ["gib"] = "gb", ["tb"] = "tb", ["tib"] = "tb", ["bit"] = "bit", ["bits"] = "bit",
        ["percent"] = "percent", ["px"] = "px", ["em"] = "em", ["rem"] = "rem",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Each number followed by a unit word, as "30 minute"; numbers with no unit after them are left out.</summary>
    private static HashSet<(string Number, string Unit)> NumberUnits(string text)
    {
        var words = Words(text).ToList();
        var units = new HashSet<(string, string)>();
        for (var i = 0; i < words.Count - 1; i++)
        {
            if (words[i].All(c => char.IsAsciiDigit(c) || c is '.' or ',') && Units.TryGetValue(words[i + 1], out var unit))
            {
                units.Add((NormaliseNumber(words[i]), unit));
            }
        }

        return units;
    }

    /// <summary>False when a number carries a unit in both texts and the units differ.</summary>
    private static bool SameUnits(string a, string b)
    {
        var unitsA = NumberUnits(a);
        var unitsB = NumberUnits(b);
        return unitsA.All(x => !unitsB.Any(y => y.Number == x.Number) || unitsB.Contains(x));
    }

    /// <summary>
    /// False when exactly one side is negated, when one side uses a word whose opposite the other uses
    /// (and not the word itself), when both ask a question word and not the same ones (who/when/where/why), or when
    /// the direction is reversed.
    /// </summary>
    public static bool SamePolarity(string a, string b)
    {
        var sequenceA = Words(a).ToList();
        var sequenceB = Words(b).ToList();
        // Every negation counts, a repeated word too: "no end user … stands for no particular person" negates twice.
        if ((sequenceA.Count(NegationWords.Contains) % 2) != (sequenceB.Count(NegationWords.Contains) % 2))
        {
            return false;
        }

        var wordsA = sequenceA.ToHashSet(StringComparer.Ordinal);
        var wordsB = sequenceB.ToHashSet(StringComparer.Ordinal);
        var askedA = wordsA.Where(QuestionWords.Contains).ToHashSet(StringComparer.Ordinal);
        var askedB = wordsB.Where(QuestionWords.Contains).ToHashSet(StringComparer.Ordinal);
        if (askedA.Count > 0 && askedB.Count > 0 && !askedA.SetEquals(askedB))
        {
            return false;
        }

        foreach (var word in wordsA)
        {
            if (Opposites.TryGetValue(word, out var opposite) && wordsB.Contains(opposite) && !wordsB.Contains(word) && !wordsA.Contains(opposite))
            {
                return false;
            }
        }

        return SameDirection(sequenceA, sequenceB, wordsA, wordsB);
    }

    /// <summary>
    /// False when both texts name the same things but with the direction reversed: "from checking to savings" vs
    /// "from savings to checking", "kilometres to miles" vs "miles to kilometres". Compares the word after each
    /// directional preposition (and "of": "China afraid of India"), for words that occur in both texts.
    /// </summary>
    private static bool SameDirection(List<string> a, List<string> b, HashSet<string> wordsA, HashSet<string> wordsB)
    {
        var rolesA = Roles(a).Where(r => wordsB.Contains(r.Word)).ToLookup(r => r.Preposition, r => r.Word, StringComparer.Ordinal);
        var rolesB = Roles(b).Where(r => wordsA.Contains(r.Word)).ToLookup(r => r.Preposition, r => r.Word, StringComparer.Ordinal);
        foreach (var preposition in rolesA.Select(g => g.Key).Where(rolesB.Contains))
        {
            if (!rolesA[preposition].ToHashSet(StringComparer.Ordinal).SetEquals(rolesB[preposition]))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<(string Preposition, string Word)> Roles(List<string> words)
    {
        for (var i = 0; i < words.Count - 1; i++)
        {
            if (DirectionWords.Contains(words[i]))
            {
                var next = words.Skip(i + 1).FirstOrDefault(w => !Articles.Contains(w));
                if (next is not null)
                {
                    // "convert a String to an Int" and "turn an Int into a String" name the same role.
                    yield return (words[i] is "into" or "onto" ? "to" : words[i], next);
                }
            }
        }
    }

    /// <summary>
    /// Names a text is about: words capitalised inside a sentence, and acronyms or mixed-case names anywhere
    /// ("SAP", "iOS"), lower-cased.
    /// </summary>
    public static IReadOnlySet<string> Entities(string text) => EntitySequence(text).ToHashSet(StringComparer.Ordinal);

    private static List<string> EntitySequence(string text)
    {
        var entities = new List<string>();
        foreach (Match sentence in SentencePattern().Matches(text))
        {
            var first = true;
            foreach (Match token in NamePattern().Matches(sentence.Value))
            {
                var word = token.Value;
                var upper = word.Count(char.IsUpper);
                var isName = upper >= 2 || (upper == 1 && !char.IsUpper(word[0])) || (!first && char.IsUpper(word[0]) && word != "I");
                if (isName)
                {
                    entities.Add(word.ToLowerInvariant());
                }

                first = false;
            }
        }

        return entities;
    }

    /// <summary>
    /// False when a name one text is about does not occur in the other at all (in any case: users write
    /// "Python" and "python" alike). Names in another order are the polarity guard's business (direction words).
    /// </summary>
    public static bool SameEntities(string a, string b)
    {
        var setA = Words(a).ToHashSet(StringComparer.Ordinal);
        var setB = Words(b).ToHashSet(StringComparer.Ordinal);
        var entitiesA = Entities(a);
        var entitiesB = Entities(b);
        if (!entitiesA.All(setB.Contains) || !entitiesB.All(setA.Contains))
        {
            return false;
        }

        return true;
    }

    /// <summary>Lower-case words with apostrophes dropped, so "don't" reads as "dont".</summary>
    public static IEnumerable<string> Words(string text) =>
        WordPattern().Matches(text.Replace("'", "", StringComparison.Ordinal).Replace("’", "", StringComparison.Ordinal).ToLowerInvariant()).Select(m => m.Value);

    private static FrozenDictionary<string, string> BuildOpposites(params (string A, string B)[] pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (a, b) in pairs)
        {
            map[a] = b;
            map[b] = a;
        }

        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string NormaliseNumber(string word)
    {
        var digits = word.TrimStart('0');
        if (digits.Contains('.', StringComparison.Ordinal))
        {
            digits = digits.TrimEnd('0').TrimEnd('.');
        }

        return digits.Length == 0 ? "0" : digits;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:[.,][0-9]+)*")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"[^.!?\n]+")]
    private static partial Regex SentencePattern();

    [GeneratedRegex(@"\p{L}[\p{L}\p{N}]*")]
    private static partial Regex NamePattern();
}
