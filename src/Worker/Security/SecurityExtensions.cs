using Microsoft.Extensions.Logging.Console;

namespace PromptQueue.Worker.Security;

public static class SecurityExtensions
{
    /// <summary>Console logs in one line per entry with secrets masked (see <see cref="SecretRedactor"/>).</summary>
    public static IHostApplicationBuilder AddSecretRedaction(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => new SecretRedactor(services.GetRequiredService<IConfiguration>()));
        builder.Logging.AddConsole(options => options.FormatterName = RedactingConsoleFormatter.FormatterName);
        builder.Logging.AddConsoleFormatter<RedactingConsoleFormatter, ConsoleFormatterOptions>();
        return builder;
    }
}
