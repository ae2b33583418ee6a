using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Validation;

/// <summary>Checks a request against the wire rules and the configured models. Returns the first problem found, or null.</summary>
public sealed partial class CompletionRequestValidator(IOptionsMonitor<ProvidersOptions> providers)
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    public const int MaxIdLength = 128;

    public string? Validate(CompletionRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.RequestId))
        {
            return "requestId is required.";
        }

        if (request.RequestId.Length > MaxIdLength)
        {
            return $"requestId is longer than {MaxIdLength} characters.";
        }

        if (!IsValidTenantId(request.TenantId))
        {
            return "tenantId is required: 1-64 characters of letters, digits, '-' or '_'.";
        }

        if (request.SchemaVersion < 1 || request.SchemaVersion > WireSchema.CurrentVersion)
        {
            return $"schemaVersion {request.SchemaVersion} is not supported; this worker reads 1 to {WireSchema.CurrentVersion}.";
        }

        if (string.IsNullOrWhiteSpace(request.Model))
        {
            return "model is required.";
        }

        if (!providers.CurrentValue.Models.TryGetValue(request.Model, out var model))
        {
            return $"model '{request.Model}' is not served by this worker.";
        }

        if (request.Messages is not { Count: > 0 })
        {
            return "messages must hold at least one message.";
        }

        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null || !Roles.Contains(message.Role))
            {
                return $"messages[{i}].role must be one of {string.Join(", ", Roles)}.";
            }

            var hasContent = message.Content is { } content && (!string.IsNullOrEmpty(content.Text) || content.Parts is { Count: > 0 });
            if (!hasContent && message.ToolCalls is null)
            {
                return $"messages[{i}] has no content.";
            }

            if (ControlCharacter(message.Content) is { } control)
            {
                return $"messages[{i}] contains the control character U+{(int)control:X4}; only tab, line feed and carriage return are allowed.";
            }
        }

        if (request.Priority is < 0 or > WireSchema.MaxPriority)
        {
            return $"priority must be between 0 and {WireSchema.MaxPriority}.";
        }

        if (request.MaxTokens is { } maxTokens && (maxTokens < 1 || maxTokens > model.MaxOutputTokens))
        {
            return $"maxTokens must be between 1 and {model.MaxOutputTokens} for model '{request.Model}'.";
        }

        if (request.Temperature is { } t && (t < 0 || t > 2))
        {
            return "temperature must be between 0 and 2.";
        }

        if (request.TopP is { } p && (p <= 0 || p > 1))
        {
            return "topP must be greater than 0 and at most 1.";
        }

        if (request.Stop is { Count: > 4 })
        {
            return "stop holds at most 4 sequences.";
        }

        if (request.ReplyTo is { } replyTo && !IsValidQueueName(replyTo))
        {
            return "replyTo must be a queue name of 1-255 printable characters.";
        }

        return null;
    }

    private static char? ControlCharacter(ChatContent? content)
    {
        static char? In(string? text)
        {
            var index = text is null ? -1 : text.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
            while (index >= 0)
            {
                var c = text![index];
                if (c is not ('\t' or '\n' or '\r'))
                {
                    return c;
                }

                var next = text.AsSpan(index + 1).IndexOfAnyInRange('\u0000', '\u001f');
                index = next < 0 ? -1 : index + 1 + next;
            }

            return null;
        }

        return In(content?.Text) ?? content?.Parts?.Select(p => In(p.Text)).FirstOrDefault(c => c is not null);
    }

    public static bool IsValidTenantId(string? tenantId) => tenantId is not null && TenantIdPattern().IsMatch(tenantId);

    /// <summary>A reply queue name the default exchange can route to (AMQP short string, no control characters).</summary>
    public static bool IsValidQueueName(string name) =>
        name.Length is > 0 and <= 255 && !name.Any(char.IsControl);

    // \z, not $: a .NET $ also matches before a final line feed, which let "acme\n" through (the wire schema refuses it).
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex TenantIdPattern();
}
