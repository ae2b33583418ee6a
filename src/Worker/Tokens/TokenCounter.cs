using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;
using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Tokens;

/// <summary>
/// Counts prompt tokens with the model family's tiktoken encoding (Microsoft.ML.Tokenizers, o200k_base or
/// cl100k_base per model), using OpenAI's chat accounting: 3 tokens per message, 1 per name, 3 to prime the reply.
/// Image and audio parts are not counted (providers bill them separately). The count feeds the context-window
/// check now, and batch budgets, rate limits and cost accounting later.
/// </summary>
public sealed class TokenCounter(IOptionsMonitor<ProvidersOptions> providers)
{
    public const string DefaultEncoding = "o200k_base";

    private const int TokensPerMessage = 3;
    private const int TokensPerName = 1;
    private const int ReplyPriming = 3;

    private readonly ConcurrentDictionary<string, Tokenizer> _tokenizers = new(StringComparer.Ordinal);

    public static IReadOnlyList<string> SupportedEncodings { get; } = ["o200k_base", "cl100k_base"];

    /// <summary>Loads the encodings of every configured model (and the default for unlisted ones) now, not on first use.</summary>
    public void LoadConfiguredEncodings()
    {
        foreach (var encoding in providers.CurrentValue.Models.Values.Select(m => m.Tokenizer).Append(DefaultEncoding).Distinct(StringComparer.Ordinal))
        {
            _ = EncodingTokenizer(encoding);
        }
    }

    public int CountPrompt(CompletionRequest request)
    {
        var encoding = providers.CurrentValue.Models.TryGetValue(request.Model, out var model) ? model.Tokenizer : DefaultEncoding;
        var tokenizer = EncodingTokenizer(encoding);
        var total = ReplyPriming;
        foreach (var message in request.Messages)
        {
            total += TokensPerMessage + tokenizer.CountTokens(message.Role);
            if (message.Name is { } name)
            {
                total += TokensPerName + tokenizer.CountTokens(name);
            }

            if (message.Content is { Text: { } text })
            {
                total += tokenizer.CountTokens(text);
            }
            else if (message.Content is { Parts: { } parts })
            {
                total += parts.Where(p => p.Text is not null).Sum(p => tokenizer.CountTokens(p.Text!));
            }

            if (message.ToolCalls is { } toolCalls)
            {
                total += tokenizer.CountTokens(toolCalls.GetRawText());
            }
        }

        if (request.Tools is { } tools)
        {
            total += tokenizer.CountTokens(tools.GetRawText());
        }

        return total;
    }

    private Tokenizer EncodingTokenizer(string encoding) => _tokenizers.GetOrAdd(encoding, static name => TiktokenTokenizer.CreateForEncoding(name));
}
