using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Providers.OpenAi;

namespace PromptQueue.Worker.Providers;

/// <summary>Sends a request to the endpoints configured for its model, in order, falling back while failures are retryable.</summary>
public sealed partial class ProviderRouter(
    IOptionsMonitor<ProvidersOptions> options,
    IHttpClientFactory httpClients,
    ILogger<ProviderRouter> logger)
{
    public const string HttpClientPrefix = "provider:";

    public async Task<ProviderCallResult> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken)
    {
        var providers = options.CurrentValue;
        var model = providers.Models[request.Model];
        var body = ChatRequestMapper.ToOpenAi(request, model.ProviderModel ?? request.Model);
        ProviderCallResult? last = null;
        var attempts = 0;
        foreach (var endpointName in model.Endpoints)
        {
            var endpoint = providers.Endpoints[endpointName];
            var client = new OpenAiChatClient(httpClients.CreateClient(HttpClientPrefix + endpointName), endpointName, endpoint.ResolveApiKey());
            var result = await client.CompleteAsync(body, cancellationToken);
            attempts += result.Attempts;
            if (result.Succeeded || !result.Retryable)
            {
                return result with { Attempts = attempts };
            }

            LogEndpointFailed(logger, endpointName, request.Model, result.Failure, result.Attempts);
            last = result;
        }

        return last! with { Attempts = attempts };
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Endpoint {Endpoint} failed for model {Model} with {Failure} after {Attempts} attempts")]
    private static partial void LogEndpointFailed(ILogger logger, string endpoint, string model, FailureCode? failure, int attempts);
}
