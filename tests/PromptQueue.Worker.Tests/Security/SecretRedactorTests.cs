using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using PromptQueue.Worker.Security;

namespace PromptQueue.Worker.Tests.Security;

public class SecretRedactorTests
{
    private const string AmqpPassword = "amqp-p%40ss-9431";
    private const string RedisPassword = "redis-pass-7716";
    private const string ApiKey = "sk-live-abcdef123456";
    private const string EnvironmentKey = "sk-from-env-998877";

    private static readonly SecretRedactor Redactor = CreateRedactor();

    [Theory]
    [InlineData("could not connect to amqp://worker:" + AmqpPassword + "@mq.internal:5672/")]
    [InlineData("password was amqp-p@ss-9431 (unescaped)")]
    [InlineData("redis: AUTH failed for 127.0.0.1:6379,password=" + RedisPassword + ",ssl=true")]
    [InlineData("Bearer " + ApiKey)]
    [InlineData("key " + EnvironmentKey + " rejected")]
    public void Known_secrets_are_masked_wherever_they_appear(string text)
    {
        var redacted = Redactor.Redact(text);

        Assert.Contains(SecretRedactor.Mask, redacted, StringComparison.Ordinal);
        foreach (var secret in new[] { AmqpPassword, "amqp-p@ss-9431", RedisPassword, ApiKey, EnvironmentKey })
        {
            Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Passwords_of_unknown_uris_and_connection_strings_are_masked_by_pattern()
    {
        Assert.Equal("rediss://u:***@cache:6380 and Server=db;Password=***;", SecretRedactor.RedactPatterns("rediss://u:s3cr3t@cache:6380 and Server=db;Password=hidden;"));
    }

    [Fact]
    public void Text_without_secrets_is_unchanged()
    {
        const string text = "Lane default consuming: concurrency 16, prefetch 16 at amqp://127.0.0.1:5672/";
        Assert.Equal(text, Redactor.Redact(text));
    }

    [Fact]
    public void Console_formatter_masks_message_and_exception_on_one_line()
    {
        var formatter = new RedactingConsoleFormatter(Redactor, new StaticOptionsMonitor<ConsoleFormatterOptions>(new ConsoleFormatterOptions()));
        var exception = new InvalidOperationException($"It was not possible to connect: 127.0.0.1:6379,password={RedisPassword}\nsecond line");
        using var writer = new StringWriter();

        formatter.Write(new LogEntry<string>(LogLevel.Error, "PromptQueue.Test", new EventId(7), $"using key {ApiKey}", exception, (s, _) => s), null, writer);

        var line = writer.ToString();
        Assert.StartsWith("fail: PromptQueue.Test[7] using key ***", line, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, line, StringComparison.Ordinal);
        Assert.DoesNotContain(RedisPassword, line, StringComparison.Ordinal);
        Assert.Equal(1, line.Count(c => c == '\n'));
    }

    private static SecretRedactor CreateRedactor()
    {
        Environment.SetEnvironmentVariable("PQ_TEST_PROVIDER_KEY", EnvironmentKey);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:RabbitMqUri"] = $"amqps://worker:{AmqpPassword}@mq.internal:5671/",
            ["Cache:Redis"] = $"cache.internal:6380,password={RedisPassword},ssl=true",
            ["Providers:Endpoints:openai:ApiKey"] = ApiKey,
            ["Providers:Endpoints:azure:ApiKeyEnvironmentVariable"] = "PQ_TEST_PROVIDER_KEY",
            ["Providers:Endpoints:openai:BaseUrl"] = "https://api.openai.com/v1/",
        }).Build();
        return new SecretRedactor(configuration);
    }
}
