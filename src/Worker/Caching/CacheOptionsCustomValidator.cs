using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Caching;

/// <summary>What annotations cannot say about <see cref="CacheOptions"/>: how two lifetimes relate, files that must exist.</summary>
internal sealed class CacheOptionsCustomValidator : IValidateOptions<CacheOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.MaxLifetime < options.Ttl)
        {
            builder.AddError("Cache:MaxLifetime must be at least Cache:Ttl.");
        }

        if (!string.IsNullOrWhiteSpace(options.WarmFile) && !File.Exists(options.WarmFile))
        {
            builder.AddError("Cache:WarmFile does not exist.");
        }

        if (options.TlsCaCertificateFile is not null && !File.Exists(options.TlsCaCertificateFile))
        {
            builder.AddError("Cache:TlsCaCertificateFile does not exist.");
        }

        return builder.Build();
    }
}
