using Microsoft.Extensions.Options;
using PromptQueue.Worker.Tokens;

namespace PromptQueue.Worker.Providers;

/// <summary>
/// What annotations cannot say about <see cref="ProvidersOptions"/>: every model routes to known endpoints with a
/// known tokenizer, the timeouts fit together; and each endpoint's and model's own annotation rules.
/// </summary>
internal sealed class ProvidersOptionsCustomValidator : IValidateOptions<ProvidersOptions>
{
    private static readonly ProviderEndpointOptionsValidator Endpoint = new();
    private static readonly ModelOptionsValidator Model = new();

    public ValidateOptionsResult Validate(string? name, ProvidersOptions options)
    {
        var builder = new ValidateOptionsResultBuilder()
            .AddEntries(Endpoint, "Providers:Endpoints", options.Endpoints)
            .AddEntries(Model, "Providers:Models", options.Models);
        if (options.Models.Count == 0)
        {
            builder.AddError("Providers:Models is empty: configure at least one model.");
        }

        foreach (var (endpointName, endpoint) in options.Endpoints.Where(e => e.Value.BaseUrl is { IsAbsoluteUri: false }))
        {
            builder.AddError($"Providers:Endpoints:{endpointName}:BaseUrl must be an absolute URL.");
        }

        foreach (var (modelName, model) in options.Models)
        {
            foreach (var endpoint in model.Endpoints.Where(e => !options.Endpoints.ContainsKey(e)))
            {
                builder.AddError($"Providers:Models:{modelName} routes to endpoint '{endpoint}', which is not configured under Providers:Endpoints.");
            }

            if (!TokenCounter.SupportedEncodings.Contains(model.Tokenizer))
            {
                builder.AddError($"Providers:Models:{modelName}:Tokenizer '{model.Tokenizer}' is not one of {string.Join(", ", TokenCounter.SupportedEncodings)}.");
            }

            if (model.MaxOutputTokens > model.ContextWindow)
            {
                builder.AddError($"Providers:Models:{modelName}: MaxOutputTokens ({model.MaxOutputTokens}) exceeds ContextWindow ({model.ContextWindow}).");
            }
        }

        var resilience = options.Resilience;
        if (resilience.TotalTimeout < resilience.AttemptTimeout)
        {
            builder.AddError("Providers:Resilience:TotalTimeout must be at least AttemptTimeout.");
        }

        if (resilience.CircuitSamplingDuration < resilience.AttemptTimeout * 2)
        {
            builder.AddError("Providers:Resilience:CircuitSamplingDuration must be at least twice AttemptTimeout.");
        }

        return builder.Build();
    }
}
