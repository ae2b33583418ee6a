using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PromptQueue.Contracts;

namespace PromptQueue.Worker.Tests.Contracts;

/// <summary>docs/schemas against the contract records as <see cref="WireJson"/> writes them, and the docs' samples.</summary>
public partial class WireSchemaTests
{
    public static TheoryData<string> SchemaFiles => [.. WireSchemas.All.Keys];

    public static TheoryData<ResultSource> Sources => [.. Enum.GetValues<ResultSource>()];

    public static TheoryData<FailureCode> FailureCodes => [.. Enum.GetValues<FailureCode>()];

    /// <summary>Each contract type, the schema file describing it and where its properties are listed there.</summary>
    public static TheoryData<Type, string, string> ContractTypes => new()
    {
        { typeof(CompletionRequest), WireSchemas.Request, "properties" },
        { typeof(ChatMessage), WireSchemas.Request, "$defs/chatMessage/properties" },
        { typeof(ContentPart), WireSchemas.Request, "$defs/contentPart/properties" },
        { typeof(CompletionSucceeded), WireSchemas.Succeeded, "properties" },
        { typeof(CompletionFailed), WireSchemas.Failed, "properties" },
        { typeof(ResultTimings), "result-common.schema.json", "$defs/timings/properties" },
        { typeof(TokenUsage), "result-common.schema.json", "$defs/usage/properties" },
    };

    /// <summary>Every ```json block of docs/*.md, by file and position.</summary>
    public static TheoryData<string, int> DocumentedSamples
    {
        get
        {
            var samples = new TheoryData<string, int>();
            foreach (var doc in Directory.GetFiles(Path.Combine(WireFormatTests.RepositoryRoot(), "docs"), "*.md").Order(StringComparer.Ordinal))
            {
                var count = JsonBlock().Matches(File.ReadAllText(doc)).Count;
                for (var i = 0; i < count; i++)
                {
                    samples.Add(Path.GetFileName(doc), i);
                }
            }

            return samples;
        }
    }

    [Theory]
    [MemberData(nameof(SchemaFiles))]
    public void Schema_file_is_a_valid_draft_2020_12_schema(string file) => Assert.Empty(WireSchemas.MetaSchemaProblems(file));

    [Fact]
    public void Every_schema_file_describes_an_event_or_is_referenced_by_one()
    {
        string[] events = [WireSchemas.Request, WireSchemas.Succeeded, WireSchemas.Failed];
        var covered = events.Concat(events.SelectMany(WireSchemas.ReferencedBy)).ToHashSet(StringComparer.Ordinal);

        Assert.All(WireSchemas.All.Keys, file => Assert.Contains(file, covered));
    }

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void Schema_names_every_property_of_its_contract_type(Type type, string file, string path)
    {
        var listed = path.Split('/').Aggregate(JsonNode.Parse(File.ReadAllText(Path.Combine(WireSchemas.Folder, file)))!, (node, step) => node[step]!);
        var documented = listed.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

        // Extension data is the parts' pass-through properties (image_url, ...), not a property of its own.
        var properties = type.GetProperties()
            .Where(p => p.GetCustomAttribute<JsonExtensionDataAttribute>() is null)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));

        Assert.All(properties, name => Assert.Contains(name, documented));
    }

    [Fact]
    public void Full_and_minimal_requests_conform()
    {
        WireSchemas.AssertConforms(WireSchemas.Request, WireSamples.FullRequest());
        WireSchemas.AssertConforms(WireSchemas.Request, WireSamples.MinimalRequest());
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Succeeded_event_of_each_source_conforms(ResultSource source) =>
        WireSchemas.AssertConforms(WireSchemas.Succeeded, WireSamples.Succeeded(source));

    [Theory]
    [MemberData(nameof(FailureCodes))]
    public void Failed_event_of_each_code_conforms(FailureCode code) =>
        WireSchemas.AssertConforms(WireSchemas.Failed, WireSamples.Failed(code));

    [Fact]
    public void Event_of_the_default_record_conforms()
    {
        // Nothing set beyond what is required: defaults (empty model, no lane) must still be valid on the wire.
        var failed = new CompletionFailed { RequestId = "r", TenantId = "t", ErrorCode = FailureCode.Internal, ErrorMessage = "m", Timings = new ResultTimings() };
        var succeeded = new CompletionSucceeded { RequestId = "r", TenantId = "t", Model = "m", Usage = new TokenUsage(), Timings = new ResultTimings() };

        WireSchemas.AssertConforms(WireSchemas.Failed, failed);
        WireSchemas.AssertConforms(WireSchemas.Succeeded, succeeded);
    }

    [Theory]
    [InlineData(WireSchemas.Succeeded, "usage", null)]
    [InlineData(WireSchemas.Succeeded, "source", "\"Guessed\"")]
    [InlineData(WireSchemas.Succeeded, "timings", "{\"receivedAt\":\"2026-11-29T22:00:00Z\"}")]
    [InlineData(WireSchemas.Failed, "errorCode", "\"Nope\"")]
    [InlineData(WireSchemas.Failed, "outcome", "\"succeeded\"")]
    [InlineData(WireSchemas.Failed, "timings", "{\"receivedAt\":\"yesterday\",\"completedAt\":\"2026-11-29T22:00:00Z\"}")]
    public void Event_that_breaks_its_schema_is_rejected(string file, string property, string? json)
    {
        // The checks above would pass vacuously if a $ref or a keyword were not evaluated; these must fail.
        object sample = file == WireSchemas.Succeeded ? WireSamples.Succeeded(ResultSource.Provider) : WireSamples.Failed(FailureCode.Expired);
        var node = JsonSerializer.SerializeToNode(sample, sample.GetType(), WireJson.Options)!.AsObject();
        node.Remove(property);
        if (json is not null)
        {
            node[property] = JsonNode.Parse(json);
        }

        Assert.NotEmpty(WireSchemas.Problems(file, JsonSerializer.SerializeToElement(node)));
    }

    [Theory]
    [MemberData(nameof(DocumentedSamples))]
    public void Json_sample_in_the_docs_conforms(string doc, int index)
    {
        var block = JsonBlock().Matches(File.ReadAllText(Path.Combine(WireFormatTests.RepositoryRoot(), "docs", doc)))[index].Groups["json"].Value;
        var sample = JsonElement.Parse(block);

        var schema = sample.TryGetProperty("outcome", out var outcome) ? WireSchemas.ForOutcome(outcome.GetString()!) : WireSchemas.Request;

        WireSchemas.AssertConforms(schema, sample);
    }

    [GeneratedRegex(@"^```json\n(?<json>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex JsonBlock();
}
