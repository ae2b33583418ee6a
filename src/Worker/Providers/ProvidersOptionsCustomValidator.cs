using Microsoft.Extensions.Options;

namespace PromptQueue.Worker.Providers;

/// <summary>
/// What annotations cannot say about <see cref="ProvidersOptions"/>: every model routes to known endpoints with a
/// known tokenizer, the timeouts fit together, and each endpoint and model (dictionaries, which neither the
/// generator nor DataAnnotations walks) passes its own annotation rules, named by its configuration path.
/// </summary>
internal sealed class ProvidersOptionsCustomValidator : IValidateOptions<ProvidersOptions>
{
    private readonly ProviderEndpointOptionsValidator _endpoint = new();
    private readonly ModelOptionsValidator _model = new();

    public ValidateOptionsResult Validate(string? name, ProvidersOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.Models.Count == 0)
        {
            builder.AddError("Providers:Models is empty: configure at least one model.");
        }

        foreach (var (endpointName, endpoint) in options.Endpoints)
        {
            builder.AddResult(_endpoint.Validate($"Providers:Endpoints:{endpointName}", endpoint));
            if (endpoint.BaseUrl is { IsAbsoluteUri: false })
            {
                builder.AddError($"Providers:Endpoints:{endpointName}:BaseUrl must be an absolute URL.");
            }
        }

        foreach (var (modelName, model) in options.Models)
        {
            builder.AddResult(_model.Validate($"Providers:Models:{modelName}", model));
            foreach (var endpoint in model.Endpoints.Where(e => !options.Endpoints.ContainsKey(e)))
            {
                builder.AddError($"Providers:Models:{modelName} routes to endpoint '{endpoint}', which is not configured under Providers:Endpoints.");
            }

            if (!Tokens.TokenCounter.SupportedEncodings.Contains(model.Tokenizer))
            {
                builder.AddError($"Providers:Models:{modelName}:Tokenizer '{model.Tokenizer}' is not one of {string.Join(", ", Tokens.TokenCounter.SupportedEncodings)}.");
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
