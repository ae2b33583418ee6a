using System.Security.Cryptography;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Coalescing;

/// <summary>
/// Stable keys of a request, the same on every replica: its scope (tenant, model, generation parameters, tools,
/// and the conversation before the last user turn), its exact identity (scope plus the last turn), and the prompt
/// prefix that provider prefix caches key on. Only requests with the same scope may ever share an answer.
/// </summary>
public static class RequestFingerprint
{
    /// <summary>The scope hash; <paramref name="sharedScope"/> replaces the tenant where tenants share answers on purpose.</summary>
    public static string Scope(CompletionRequest request, string? sharedScope = null) => Hash(writer =>
    {
        if (sharedScope is null)
        {
            writer.WriteString("tenant", request.TenantId);
        }
        else
        {
            writer.WriteString("sharedScope", sharedScope);
        }

        writer.WriteString("model", request.Model);
        foreach (var parameter in GenerationParameters.All)
        {
            parameter.WriteScope(writer, request);
        }

        writer.WritePropertyName("context");
        JsonSerializer.Serialize(writer, request.Messages.Take(request.Messages.Count - 1).Select(Canonical), WireJson.Options);
    });

    public static string Exact(CompletionRequest request, string scope) => Hash(writer =>
    {
        writer.WriteString("scope", scope);
        writer.WritePropertyName("last");
        JsonSerializer.Serialize(writer, Canonical(request.Messages[^1]), WireJson.Options);
    });

    /// <summary>The messages before the last user turn (system prompt, template, earlier turns), or null when there are none.</summary>
    public static string? Prefix(CompletionRequest request)
    {
        var lastUser = LastUserIndex(request);
        return lastUser <= 0 ? null : Hash(writer =>
        {
            writer.WriteString("model", request.Model);
            writer.WritePropertyName("prefix");
            JsonSerializer.Serialize(writer, request.Messages.Take(lastUser), WireJson.Options);
        });
    }

    /// <summary>The text of the last message when it is a user turn made only of text, else null (nothing to compare semantically).</summary>
    public static string? LastUserText(CompletionRequest request)
    {
        if (request.Messages.Count == 0 || request.Messages[^1] is not { Role: "user", Content: { } content })
        {
            return null;
        }

        if (content.Text is { } text)
        {
            return text;
        }

        return content.Parts is { Count: > 0 } parts && parts.All(p => p.Type == "text" && p.Text is not null)
            ? string.Join('\n', parts.Select(p => p.Text))
            : null;
    }

    /// <summary>
    /// A message as keys see it: a lone text part is plain text, and text is trimmed. Inner whitespace is kept: in
    /// code and tables it changes the meaning. (No Unicode normalisation: the worker runs with invariant globalization.)
    /// </summary>
    private static ChatMessage Canonical(ChatMessage message)
    {
        if (message.Content is not { } content)
        {
            return message;
        }

        if (content.Parts is [{ Type: "text", Text: { } only, Extra: null or { Count: 0 } }])
        {
            return message with { Content = new ChatContent { Text = Clean(only) } };
        }

        return content.Text is { } text
            ? message with { Content = new ChatContent { Text = Clean(text) } }
            : message with { Content = content with { Parts = content.Parts?.Select(p => p.Text is { } t ? p with { Text = Clean(t) } : p).ToList() } };
    }

    private static string Clean(string text) => text.Trim();

    private static int LastUserIndex(CompletionRequest request)
    {
        for (var i = request.Messages.Count - 1; i >= 0; i--)
        {
            if (request.Messages[i].Role == "user")
            {
                return i;
            }
        }

        return -1;
    }

    private static string Hash(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }
}
