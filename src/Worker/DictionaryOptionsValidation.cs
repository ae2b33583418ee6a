using Microsoft.Extensions.Options;

namespace PromptQueue.Worker;

/// <summary>
/// Annotation rules of options kept in a dictionary (lanes, endpoints, models, tenants): neither the options
/// validation generator nor DataAnnotations walks one, so each entry goes through its type's generated validator,
/// its messages naming the entry by configuration path (<c>Providers:Endpoints:openai.MaxConnectionsPerServer</c>).
/// </summary>
internal static class DictionaryOptionsValidation
{
    public static ValidateOptionsResultBuilder AddEntries<T>(
        this ValidateOptionsResultBuilder builder, IValidateOptions<T> validator, string path, IEnumerable<KeyValuePair<string, T>> entries)
        where T : class
    {
        foreach (var (key, entry) in entries)
        {
            builder.AddResult(validator.Validate($"{path}:{key}", entry));
        }

        return builder;
    }
}
