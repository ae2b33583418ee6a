using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit.Serialization;
using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Tests.Contracts;
using PromptQueue.Worker.Validation;

namespace PromptQueue.Worker.Tests.Validation;

/// <summary>
/// The worker and completion-request.schema.json must agree on every rule: each row is a request body a producer
/// could publish, and both the worker (MassTransit's JSON reader, then <see cref="CompletionRequestValidator"/>) and
/// the schema must reach the row's verdict. Where they differed the schema was changed, since the worker's
/// behaviour is what producers already rely on, except where the schema was plainly right (a tenant id ending in a
/// line feed) and the validator changed; each such row says which.
/// Not in the table, because no schema can say it: the configured models and their MaxOutputTokens (worker
/// configuration), lengths in UTF-16 units (the validator) rather than code points (JSON Schema) for characters
/// outside the BMP, and the shapes of responseFormat, tools, toolChoice and toolCalls, which the worker passes
/// through for the provider to judge while the schema already asks for an object or an array.
/// </summary>
public class RequestRulesMatchSchemaTests
{
    private const string Base = """
        {"requestId":"r-1","tenantId":"acme","model":"sim-small","messages":[{"role":"user","content":"What is the capital of France?"}]}
        """;

    private readonly CompletionRequestValidator _validator = new(new StaticOptionsMonitor<ProvidersOptions>(TestRequests.Providers()));

    /// <summary>Path into the base request (<c>/</c>-separated), the JSON set there (null: removed), accepted or not.</summary>
    public static TheoryData<string, string?, bool> Rows => new()
    {
        { "requestId", "\"0b6c1a52-7a43-4e0e-8a53-3f0c9a1f2e11\"", true },
        { "requestId", null, false },
        { "requestId", "\"\"", false },
        { "requestId", "\"   \"", false }, // schema changed: blank was valid there
        { "requestId", Quoted(new string('r', CompletionRequestValidator.MaxIdLength)), true },
        { "requestId", Quoted(new string('r', CompletionRequestValidator.MaxIdLength + 1)), false },
        { "requestId", "7", false },
        { "tenantId", "\"Acme_2-eu\"", true },
        { "tenantId", Quoted(new string('t', 64)), true },
        { "tenantId", Quoted(new string('t', 65)), false },
        { "tenantId", null, false },
        { "tenantId", "\"\"", false },
        { "tenantId", "\"acme.eu\"", false },
        { "tenantId", "\"acme eu\"", false },
        { "tenantId", "\"acmé\"", false },
        { "tenantId", "\"acme\\n\"", false }, // validator changed: its $ let a final line feed through
        { "schemaVersion", "1", true },
        { "schemaVersion", "2", false },
        { "schemaVersion", "0", false },
        { "model", null, false },
        { "model", "\"\"", false },
        { "model", "\" \"", false }, // schema changed: blank was valid there
        { "messages", null, false },
        { "messages", "[]", false },
        { "messages", "[null]", false },
        { "messages/0/role", "\"system\"", true },
        { "messages/0/role", "\"developer\"", true },
        { "messages/0/role", "\"User\"", false },
        { "messages/0/role", "\"wizard\"", false },
        { "messages/0/role", null, false },
        { "messages/0/content", null, false }, // schema changed: content (or toolCalls) is required
        { "messages/0/content", "null", false }, // schema changed
        { "messages/0/content", "\"\"", false }, // schema changed
        { "messages/0/content", "[]", false }, // schema changed
        { "messages/0/content", "[{\"type\":\"text\",\"text\":\"look\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.invalid/a.png\"}}]", true },
        { "messages/0/content", "[{\"text\":\"look\"}]", true }, // schema changed: a part without a type is read as text
        { "messages/0/content", "[{\"type\":\"text\",\"text\":\"bell \\u0007\"}]", false }, // schema changed: control characters
        { "messages/0/content", "7", false },
        { "messages/0/content", "\"line one\\r\\n\\tline two\"", true },
        { "messages/0/content", "\"nul \\u0000\"", false }, // schema changed: control characters
        { "messages/0/content", "\"escape \\u001b[0m\"", false }, // schema changed
        { "messages/0/content", "\"delete \\u007f is text\"", true },
        { "messages/0", "{\"role\":\"assistant\",\"toolCalls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}", true },
        { "messages/0", "{\"role\":\"tool\",\"toolCallId\":\"call_1\",\"content\":\"42\"}", true },
        { "messages/0/name", "\"alice\"", true },
        { "temperature", "0", true },
        { "temperature", "2", true },
        { "temperature", "-0.1", false },
        { "temperature", "2.01", false },
        { "temperature", "\"hot\"", false },
        { "topP", "0", false },
        { "topP", "0.001", true },
        { "topP", "1", true },
        { "topP", "1.01", false },
        { "maxTokens", "1", true },
        { "maxTokens", "0", false },
        { "maxTokens", "-5", false },
        { "maxTokens", "2.5", false },
        { "priority", "0", true },
        { "priority", "9", true },
        { "priority", "-1", false },
        { "priority", "10", false },
        { "priority", "\"high\"", false },
        { "stop", "[\"a\",\"b\",\"c\",\"d\"]", true },
        { "stop", "[\"a\",\"b\",\"c\",\"d\",\"e\"]", false },
        { "stop", "[1]", false },
        { "seed", "42", true },
        { "seed", "\"x\"", false },
        { "replyTo", "\"amq.gen-JzTY20BRgKO-HjmUJj0wLg\"", true },
        { "replyTo", Quoted(new string('q', 255)), true },
        { "replyTo", Quoted(new string('q', 256)), false },
        { "replyTo", "\"\"", false },
        { "replyTo", "\"bad\\nqueue\"", false }, // schema changed: control characters
        { "replyTo", "\"bad\\u0085queue\"", false }, // schema changed: C1 control characters too
        { "cachePolicy", "\"default\"", true },
        { "cachePolicy", "\"exactOnly\"", true },
        { "cachePolicy", "\"ExactOnly\"", true }, // schema changed: what PromptQueue.Contracts writes
        { "cachePolicy", "\"sometimes\"", false },
        { "deadline", "\"2026-11-29T23:00:00Z\"", true },
        { "deadline", "\"2026-11-29T23:00:00.123+01:00\"", true },
        { "deadline", "\"tomorrow\"", false },
        { "createdAt", "\"not a time\"", false },
        { "metadata", "{\"ticket\":\"T-1042\"}", true },
        { "metadata", "{\"ticket\":1042}", false },
        { "aFieldFromVersion7", "{\"nested\":[1,2,3]}", true },
    };

    [Fact]
    public void Base_request_is_accepted_by_both()
    {
        Assert.True(WorkerAccepts(Base));
        Assert.True(SchemaAccepts(Base));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Worker_and_schema_reach_the_same_verdict(string path, string? json, bool accepted)
    {
        var body = With(path, json);

        Assert.Equal((accepted, accepted), (WorkerAccepts(body), SchemaAccepts(body)));
    }

    private bool WorkerAccepts(string body)
    {
        CompletionRequest? request;
        try
        {
            // The options MassTransit's raw JSON deserializer reads lane messages with.
            request = JsonSerializer.Deserialize<CompletionRequest>(body, SystemTextJsonMessageSerializer.Options);
        }
        catch (JsonException)
        {
            return false; // unreadable: the consumer never sees it, the message goes to the lane's _error queue
        }

        return request is not null && _validator.Validate(request) is null;
    }

    private static bool SchemaAccepts(string body) => WireSchemas.Problems(WireSchemas.Request, JsonElement.Parse(body)).Count == 0;

    private static string With(string path, string? json)
    {
        var root = JsonNode.Parse(Base)!;
        var steps = path.Split('/');
        var parent = steps[..^1].Aggregate(root, (node, step) => int.TryParse(step, out var i) ? node[i]! : node[step]!);
        var last = steps[^1];
        var value = json is null ? null : JsonNode.Parse(json);
        if (int.TryParse(last, out var index))
        {
            parent.AsArray()[index] = value;
        }
        else if (json is null)
        {
            parent.AsObject().Remove(last);
        }
        else
        {
            parent[last] = value;
        }

        return root.ToJsonString();
    }

    private static string Quoted(string text) => JsonSerializer.Serialize(text);
}
