using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Providers;

/// <summary>Checks what annotations cannot: every model routes to known endpoints, and the timeouts fit together.</summary>
public sealed class ProvidersOptionsValidator : IValidateOptions<ProvidersOptions>
{
    public ValidateOptionsResult Validate(string? name, ProvidersOptions options)
    {
        var failures = new List<string>();
        if (options.Models.Count == 0)
        {
            failures.Add("Providers:Models is empty: configure at least one model.");
        }

        foreach (var (endpointName, endpoint) in options.Endpoints)
        {
            AddAnnotationFailures(failures, $"Providers:Endpoints:{endpointName}", endpoint);
            if (endpoint.BaseUrl is { IsAbsoluteUri: false })
            {
                failures.Add($"Providers:Endpoints:{endpointName}:BaseUrl must be an absolute URL.");
            }
        }

        foreach (var (modelName, model) in options.Models)
        {
            AddAnnotationFailures(failures, $"Providers:Models:{modelName}", model);
            foreach (var endpoint in model.Endpoints.Where(e => !options.Endpoints.ContainsKey(e)))
            {
                failures.Add($"Providers:Models:{modelName} routes to endpoint '{endpoint}', which is not configured under Providers:Endpoints.");
            }

            if (!Tokens.TokenCounter.SupportedEncodings.Contains(model.Tokenizer))
            {
                failures.Add($"Providers:Models:{modelName}:Tokenizer '{model.Tokenizer}' is not one of {string.Join(", ", Tokens.TokenCounter.SupportedEncodings)}.");
            }

            if (model.MaxOutputTokens > model.ContextWindow)
            {
                failures.Add($"Providers:Models:{modelName}: MaxOutputTokens ({model.MaxOutputTokens}) exceeds ContextWindow ({model.ContextWindow}).");
            }
        }

        var resilience = options.Resilience;
        if (resilience.TotalTimeout < resilience.AttemptTimeout)
        {
            failures.Add("Providers:Resilience:TotalTimeout must be at least AttemptTimeout.");
        }

        if (resilience.CircuitSamplingDuration < resilience.AttemptTimeout * 2)
        {
            failures.Add("Providers:Resilience:CircuitSamplingDuration must be at least twice AttemptTimeout.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AddAnnotationFailures(List<string> failures, string path, object value)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"{path}: {r.ErrorMessage}"));
        }
    }
}
