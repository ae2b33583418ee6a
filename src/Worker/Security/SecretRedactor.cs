using System.Text.RegularExpressions;

namespace PromptQueue.Worker.Security;

/// <summary>
/// Masks secrets in text bound for logs and events: every configuration value whose key names a secret (ApiKey,
/// Password, Secret, Token), the API keys named by <c>ApiKeyEnvironmentVariable</c>, passwords inside URIs and
/// connection strings found anywhere in configuration (Messaging:RabbitMqUri, Cache:Redis, environment variables),
/// and, by pattern, any <c>scheme://user:password@</c> or <c>password=…</c> in the text itself.
/// Microsoft.Extensions.Compliance.Redaction redacts classified log parameters, not exception text, which is where
/// a client library would put a connection string; hence this class, used by the console formatter.
/// </summary>
public sealed partial class SecretRedactor
{
    public const string Mask = "***";
    private const int ShortestSecret = 4;

    private static readonly string[] SecretKeyWords = ["apikey", "password", "secret", "token"];

    private readonly string[] _secrets;

    public SecretRedactor(IConfiguration configuration)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var name = key[(key.LastIndexOf(':') + 1)..].ToLowerInvariant();
            if (name.EndsWith("apikeyenvironmentvariable", StringComparison.Ordinal))
            {
                Add(secrets, Environment.GetEnvironmentVariable(value));
            }
            else if (SecretKeyWords.Any(word => name.Contains(word, StringComparison.Ordinal)))
            {
                Add(secrets, value);
            }

            foreach (Match match in UriPassword().Matches(value))
            {
                Add(secrets, match.Groups["secret"].Value);
                Add(secrets, Uri.UnescapeDataString(match.Groups["secret"].Value));
            }

            foreach (Match match in ConnectionStringPassword().Matches(value))
            {
                Add(secrets, match.Groups["secret"].Value);
            }
        }

        _secrets = [.. secrets.OrderByDescending(s => s.Length)];
    }

    /// <summary>The text with every known secret and every password-shaped value masked.</summary>
    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return RedactPatterns(text);
    }

    /// <summary>Masks passwords in URIs and connection strings, known or not.</summary>
    public static string RedactPatterns(string text)
    {
        text = UriPassword().Replace(text, m => m.Value.Replace(m.Groups["secret"].Value, Mask, StringComparison.Ordinal));
        return ConnectionStringPassword().Replace(text, m => m.Value.Replace(m.Groups["secret"].Value, Mask, StringComparison.Ordinal));
    }

    private static void Add(HashSet<string> secrets, string? secret)
    {
        if (secret is { Length: >= ShortestSecret } && secret != Mask)
        {
            secrets.Add(secret);
        }
    }

    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://[^\s:/@]+:(?<secret>[^\s@/]+)@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UriPassword();

    [GeneratedRegex(@"\b(password|pwd)\s*=\s*(?<secret>[^,;\s]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionStringPassword();
}
