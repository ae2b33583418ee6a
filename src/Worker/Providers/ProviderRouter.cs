using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Worker.Coalescing;
using PromptQueue.Worker.Providers.Limits;
using PromptQueue.Worker.Providers.OpenAi;
using PromptQueue.Worker.Tokens;

namespace PromptQueue.Worker.Providers;

/// <summary>Sends a request to the endpoints configured for its model, in order, falling back while failures are retryable.</summary>
public sealed partial class ProviderRouter(
    IOptionsMonitor<ProvidersOptions> options,
    IHttpClientFactory httpClients,
    EndpointLimiters limiters,
    TokenCounter tokens,
    ILogger<ProviderRouter> logger)
{
    public const string HttpClientPrefix = "provider:";

    public Task<ProviderCallResult> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken) =>
        CompleteAsync(request, request.Priority, cancellationToken);

    /// <summary>
    /// Calls the model's endpoints in routing order; each call waits for a slot of its endpoint (by priority, then
    /// tenants in turn) and for the endpoint's request and token budgets.
    /// </summary>
    public async Task<ProviderCallResult> CompleteAsync(CompletionRequest request, int priority, CancellationToken cancellationToken)
    {
        var providers = options.CurrentValue;
        var model = providers.Models[request.Model];
        var body = ChatRequestMapper.ToOpenAi(request, model.ProviderModel ?? request.Model);
        ProviderCallResult? last = null;
        var attempts = 0;
        var allOpen = true;
        int? chargedTokens = null;
        foreach (var endpointName in EndpointOrder(model, request))
        {
            var endpoint = providers.Endpoints[endpointName];
            var limiter = limiters.For(endpointName);
            var client = new OpenAiChatClient(httpClients.CreateClient(HttpClientPrefix + endpointName), endpointName, endpoint.ResolveApiKey(), limiter);
            if (endpoint.TokensPerMinute is not null)
            {
                chargedTokens ??= tokens.CountPrompt(request) + (request.MaxTokens ?? model.MaxOutputTokens);
            }

            ProviderCallResult result;
            using (await limiter.EnterAsync(priority, request.TenantId, chargedTokens ?? 0, cancellationToken))
            {
                // The RequestId of the call's leader, so the call can be traced in the provider's logs.
                result = await client.CompleteAsync(body, request.RequestId, cancellationToken);
            }

            limiter.CircuitOpen = result.CircuitOpen;
            attempts += result.Attempts;
            if (result.Succeeded || !result.Retryable)
            {
                return result with { Attempts = attempts };
            }

            LogEndpointFailed(logger, endpointName, request.Model, result.Failure, result.Attempts);
            allOpen &= result.CircuitOpen;
            last = result;
        }

        return last! with { Attempts = attempts, CircuitOpen = allOpen };
    }

    /// <summary>
    /// The endpoints to try, in order. With prefix affinity, rendezvous (highest random weight) hashing of the
    /// prompt prefix picks the first: every replica sends the same prefix to the same endpoint, and adding or
    /// removing an endpoint moves only the prefixes that hashed to it. A dozen lines, so no hashing library.
    /// </summary>
    public static IEnumerable<string> EndpointOrder(ModelOptions model, CompletionRequest request)
    {
        if (model.Routing != EndpointRouting.PrefixAffinity || model.Endpoints.Count < 2 || RequestFingerprint.Prefix(request) is not { } prefix)
        {
            return model.Endpoints;
        }

        return model.Endpoints.OrderByDescending(endpoint => RendezvousWeight(prefix, endpoint)).ThenBy(endpoint => endpoint, StringComparer.Ordinal);
    }

    private static ulong RendezvousWeight(string prefix, string endpoint) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(prefix + "\n" + endpoint)));

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Endpoint {Endpoint} failed for model {Model} with {Failure} after {Attempts} attempts")]
    private static partial void LogEndpointFailed(ILogger logger, string endpoint, string model, FailureCode? failure, int attempts);
}
