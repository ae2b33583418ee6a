using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker;

/// <summary>
/// The one way an options section of the worker is registered: bound to its configuration section, checked at start
/// by its generated validator (annotations) and, where it has one, by its custom validator (rules across fields).
/// </summary>
internal static class OptionsRegistration
{
    public static IHostApplicationBuilder AddValidatedOptions<TOptions, TValidator>(this IHostApplicationBuilder builder, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        builder.Services.AddOptionsWithValidateOnStart<TOptions, TValidator>().Bind(builder.Configuration.GetSection(section));
        return builder;
    }

    public static IHostApplicationBuilder AddValidatedOptions<TOptions, TValidator, TRules>(this IHostApplicationBuilder builder, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
        where TRules : class, IValidateOptions<TOptions>
    {
        builder.AddValidatedOptions<TOptions, TValidator>(section);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TRules>());
        return builder;
    }
}
