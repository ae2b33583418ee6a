using System.Text.Json;
using Json.Schema;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Tests.Contracts;

/// <summary>
/// The JSON Schemas of docs/schemas, built once into a registry of their own: their relative <c>$ref</c>s
/// (<c>result-common.schema.json#/$defs/…</c>) resolve to the files beside them, never to the network.
/// </summary>
internal static class WireSchemas
{
    public const string Request = "completion-request.schema.json";
    public const string Succeeded = "completion-succeeded.schema.json";
    public const string Failed = "completion-failed.schema.json";

    // format is only an annotation in 2020-12 unless asked for; the worker refuses a deadline that is no date.
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };

    private static readonly Lazy<IReadOnlyDictionary<string, JsonSchema>> Built = new(Build);

    public static string Folder { get; } = Path.Combine(WireFormatTests.RepositoryRoot(), "docs", "schemas");

    /// <summary>Every schema file of docs/schemas by file name.</summary>
    public static IReadOnlyDictionary<string, JsonSchema> All => Built.Value;

    /// <summary>The schema a result event of this outcome is written against.</summary>
    public static string ForOutcome(string outcome) => outcome == ResultOutcome.Succeeded ? Succeeded : Failed;

    /// <summary>The value as the contracts write it (<see cref="WireJson.Options"/>), against the named schema.</summary>
    public static IReadOnlyList<string> Problems(string schemaFile, object value) =>
        Problems(schemaFile, JsonSerializer.SerializeToElement(value, value.GetType(), WireJson.Options));

    /// <summary>Why the instance does not conform, one line per failed keyword; empty when it conforms.</summary>
    public static IReadOnlyList<string> Problems(string schemaFile, JsonElement instance) =>
        Explain(All[schemaFile].Evaluate(instance, Evaluation));

    /// <summary>Why a schema file is not a valid draft 2020-12 schema; empty when it is.</summary>
    public static IReadOnlyList<string> MetaSchemaProblems(string schemaFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, schemaFile)));
        return Explain(MetaSchemas.Draft202012.Evaluate(document.RootElement, Evaluation));
    }

    /// <summary>Schema files another schema file refers to by <c>$ref</c>.</summary>
    public static IEnumerable<string> ReferencedBy(string schemaFile)
    {
        var text = File.ReadAllText(Path.Combine(Folder, schemaFile));
        return All.Keys.Where(other => other != schemaFile && text.Contains($"\"{other}#", StringComparison.Ordinal));
    }

    /// <summary>Fails with every problem of the value as the contracts write it, one a line.</summary>
    public static void AssertConforms(string schemaFile, object value)
    {
        var problems = value is JsonElement element ? Problems(schemaFile, element) : Problems(schemaFile, value);
        Assert.True(problems.Count == 0, $"Does not conform to {schemaFile}:\n{string.Join('\n', problems)}");
    }

    // Only failed branches are followed: a oneOf that passed keeps the errors of its other branches. A node can fail
    // without a message of its own (a "not" whose subschema matched), so it is named by its keywords' path.
    private static IReadOnlyList<string> Explain(EvaluationResults results) =>
        results.IsValid ? [] : [.. Failures(results)];

    private static IEnumerable<string> Failures(EvaluationResults node)
    {
        var failedBelow = (node.Details ?? []).Where(d => !d.IsValid).ToList();
        var errors = node.Errors is { Count: > 0 } own ? own.Select(e => $"{e.Key}: {e.Value}")
            : failedBelow.Count == 0 ? ["failed"]
            : [];
        return errors.Select(e => $"{node.InstanceLocation} ({node.EvaluationPath}): {e}").Concat(failedBelow.SelectMany(Failures));
    }

    private static IReadOnlyDictionary<string, JsonSchema> Build()
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        var texts = Directory.GetFiles(Folder, "*.schema.json").ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
        var built = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        // References are resolved while a schema is built, so the files referred to are built first.
        while (built.Count < texts.Count)
        {
            var next = texts.Keys.First(file => !built.ContainsKey(file) && texts.Keys.All(other =>
                other == file || built.ContainsKey(other) || !texts[file].Contains($"\"{other}#", StringComparison.Ordinal)));
            built[next] = JsonSchema.FromText(texts[next], options);
        }

        return built;
    }
}
