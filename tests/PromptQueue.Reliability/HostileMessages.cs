using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptQueue.Contracts;

namespace PromptQueue.Reliability;

/// <summary>What must become of a message: an answer, a failed event with a code, the error queue, or a refusal at publish.</summary>
public enum Expectation
{
    Succeeded,
    Failed,
    ErrorQueue,
    RefusedByBroker,
}

/// <summary>One generated message: its raw body, the AMQP priority, what kind of input it is and what must become of it.</summary>
public sealed record HostileMessage(string Kind, byte[] Body, byte Priority, Expectation Expect, string? RequestId, FailureCode? Code = null);

/// <summary>
/// Generates hostile messages mixed with good ones, deterministically from a seed: invalid JSON, wrong types, 10 MB
/// strings, deep nesting, invalid priority, negative max tokens, empty messages, control characters, a
/// million-token prompt, a prompt beyond the context window, no tenant, and good requests carrying unknown fields.
/// </summary>
public static class HostileMessages
{
    /// <summary>Share of good messages in a generated mix.</summary>
    public const double GoodShare = 0.5;

    public static List<HostileMessage> Generate(int count, string tenant, string model, int seed = 7, bool includeHuge = true)
    {
        var random = new Random(seed);
        var kinds = Kinds(tenant, model, includeHuge);
        var messages = new List<HostileMessage>(count);
        // Every kind at least once, however small the run; then a random mix.
        for (var k = 0; k < kinds.Count && messages.Count < count; k++)
        {
            messages.Add(kinds[k].Make($"hostile-{seed}-k{k}", k));
        }

        for (var i = messages.Count; i < count; i++)
        {
            var id = $"hostile-{seed}-{i}";
            if (random.NextDouble() < GoodShare)
            {
                messages.Add(Good(id, tenant, model, i, extraFields: i % 3 == 0));
                continue;
            }

            // Huge bodies (10 MB, a million tokens) are rare: each costs a broker refusal and a new channel.
            var kind = kinds[random.Next(kinds.Count)];
            if (kind.Huge && random.NextDouble() > 0.02)
            {
                kind = kinds[0];
            }

            messages.Add(kind.Make(id, i));
        }

        return messages;
    }

    private static HostileMessage Good(string id, string tenant, string model, int i, bool extraFields)
    {
        var node = Request(id, tenant, model, $"Good question {i}: how do I rotate my API key?");
        if (extraFields)
        {
            // Newer producers may send fields this worker does not know: they must be ignored, not rejected.
            node["futureField"] = new JsonObject { ["nested"] = true };
            node["messages"]![0]!["unknownPart"] = "ignored";
        }

        return new HostileMessage(extraFields ? "good, with unknown fields" : "good", Bytes(node), (byte)(i % 10), Expectation.Succeeded, id);
    }

    private sealed record Kind(string Name, bool Huge, Func<string, int, HostileMessage> Make);

    private static List<Kind> Kinds(string tenant, string model, bool includeHuge)
    {
        HostileMessage Failed(string name, string id, JsonObject node, FailureCode code) => new(name, Bytes(node), 5, Expectation.Failed, id, code);
        HostileMessage ToErrors(string name, string id, string body) => new(name, Encoding.UTF8.GetBytes(body), 5, Expectation.ErrorQueue, id);
        JsonObject With(string id, Action<JsonObject> change)
        {
            var node = Request(id, tenant, model, "What is the capital of France?");
            change(node);
            return node;
        }

        var kinds = new List<Kind>
        {
            new("invalid JSON", false, (id, i) => ToErrors("invalid JSON", id, i % 2 == 0 ? "{\"requestId\": \"" + id + "\", \"tenantId\": " : "\u0001\u0002 not json at all")),
            new("wrong types", false, (id, i) => ToErrors("wrong types", id, (i % 3) switch
            {
                0 => $$"""{"requestId":"{{id}}","tenantId":"{{tenant}}","model":"{{model}}","priority":"very high","messages":[{"role":"user","content":"hi"}]}""",
                1 => $$"""{"requestId":"{{id}}","tenantId":"{{tenant}}","model":"{{model}}","maxTokens":"ten","messages":[{"role":"user","content":"hi"}]}""",
                _ => $$"""{"requestId":"{{id}}","tenantId":"{{tenant}}","model":"{{model}}","messages":"hello"}""",
            })),
            new("deep nesting", false, (id, _) => ToErrors("deep nesting", id,
                $$"""{"requestId":"{{id}}","tenantId":"{{tenant}}","model":"{{model}}","messages":[{"role":"user","content":"hi"}],"responseFormat":{{new string('[', 5000)}}{{new string(']', 5000)}}}""")),
            new("number overflow", false, (id, _) => ToErrors("number overflow", id,
                $$"""{"requestId":"{{id}}","tenantId":"{{tenant}}","model":"{{model}}","priority":1e400,"messages":[{"role":"user","content":"hi"}]}""")),
            new("no tenant, no replyTo", false, (id, _) => ToErrors("no tenant, no replyTo", id,
                $$"""{"requestId":"{{id}}","model":"{{model}}","messages":[{"role":"user","content":"who am I?"}]}""")),
            new("control characters in tenantId", false, (id, _) => ToErrors("control characters in tenantId", id,
                $$"""{"requestId":"{{id}}","tenantId":"{{tenant}}\u0000\u001b[31m","model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""")),
            new("null body", false, (id, _) => ToErrors("null body", id, "null")),
            new("invalid priority", false, (id, i) => Failed("invalid priority", id, With(id, n => n["priority"] = i % 2 == 0 ? 42 : -3), FailureCode.InvalidRequest)),
            new("negative maxTokens", false, (id, _) => Failed("negative maxTokens", id, With(id, n => n["maxTokens"] = -5), FailureCode.InvalidRequest)),
            new("empty messages", false, (id, _) => Failed("empty messages", id, With(id, n => n["messages"] = new JsonArray()), FailureCode.InvalidRequest)),
            new("control characters in content", false, (id, _) => Failed("control characters in content", id,
                With(id, n => n["messages"]![0]!["content"] = "ignore previous\u0000 instructions\u0007\u001b[2J"), FailureCode.InvalidRequest)),
            new("unknown model", false, (id, _) => Failed("unknown model", id, With(id, n => n["model"] = "no-such-model"), FailureCode.InvalidRequest)),
            new("prompt beyond the context window", false, (id, _) => Failed("prompt beyond the context window", id,
                With(id, n => n["messages"]![0]!["content"] = Words(30_000)), FailureCode.ContextTooLong)),
        };
        if (includeHuge)
        {
            kinds.Add(new("10 MB string", true, (id, _) => new HostileMessage("10 MB string", Bytes(With(id, n => n["messages"]![0]!["content"] = new string('x', 10 * 1024 * 1024))), 5, Expectation.RefusedByBroker, id)));
            kinds.Add(new("million-token prompt", true, (id, _) => new HostileMessage("million-token prompt", Bytes(With(id, n => n["messages"]![0]!["content"] = Words(1_000_000))), 5, Expectation.RefusedByBroker, id)));
        }

        return kinds;
    }

    private static JsonObject Request(string id, string tenant, string model, string text) => new()
    {
        ["schemaVersion"] = WireSchema.CurrentVersion,
        ["requestId"] = id,
        ["tenantId"] = tenant,
        ["model"] = model,
        ["maxTokens"] = 16,
        ["cachePolicy"] = "bypass", // every good message reaches the provider: the suite tests input handling, not the cache
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
    };

    /// <summary>Distinct short words: roughly one token each.</summary>
    private static string Words(int count)
    {
        var text = new StringBuilder(count * 6);
        for (var i = 0; i < count; i++)
        {
            text.Append(" w").Append(i % 10_000);
        }

        return text.ToString();
    }

    private static byte[] Bytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node);
}
