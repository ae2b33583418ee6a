using System.Globalization;

namespace PromptQueue.Producer.Sample;

/// <summary>Share of requests per priority class, e.g. "urgent=10,normal=60,bulk=30".</summary>
public sealed record PriorityMix(IReadOnlyList<(string Name, int Priority, double Weight)> Classes)
{
    public static readonly IReadOnlyDictionary<string, int> ClassPriorities = new Dictionary<string, int>
    {
        ["urgent"] = 9,
        ["high"] = 7,
        ["normal"] = 4,
        ["bulk"] = 0,
    };

    public static PriorityMix Default { get; } = Parse("urgent=10,normal=60,bulk=30");

    public static PriorityMix Parse(string text)
    {
        var classes = new List<(string, int, double)>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || weight < 0)
            {
                throw new FormatException($"'{item}' is not name=weight.");
            }

            var priority = ClassPriorities.TryGetValue(parts[0], out var p) ? p
                : int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 9 ? n
                : throw new FormatException($"'{parts[0]}' is neither a class ({string.Join(", ", ClassPriorities.Keys)}) nor a priority 0-9.");
            classes.Add((parts[0], priority, weight));
        }

        if (classes.Count == 0 || classes.Sum(c => c.Item3) <= 0)
        {
            throw new FormatException("The priority mix needs at least one class with a positive weight.");
        }

        return new PriorityMix(classes);
    }

    /// <summary>The class of the i-th request: spread evenly (not randomly) so runs are repeatable.</summary>
    public (string Name, int Priority) ClassOf(int index, int count)
    {
        var total = Classes.Sum(c => c.Weight);
        var position = (index * 0.6180339887498949 % 1.0) * total;
        foreach (var (name, priority, weight) in Classes)
        {
            if (position < weight)
            {
                return (name, priority);
            }

            position -= weight;
        }

        return (Classes[^1].Name, Classes[^1].Priority);
    }
}
