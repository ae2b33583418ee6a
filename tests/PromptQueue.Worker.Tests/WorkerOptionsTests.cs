using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptQueue.Worker.Messaging;

namespace PromptQueue.Worker.Tests;

/// <summary>
/// Every section of the worker's configuration, validated the way a starting host does it (every options type
/// registered with ValidateOnStart, through IStartupValidator), so each row also proves its registration.
/// </summary>
public class WorkerOptionsTests
{
    [Fact]
    public void Missing_configuration_yields_one_default_lane() =>
        Assert.Equal(["default"], new MessagingOptions().EffectiveLanes.Keys);

    [Fact]
    public void Configuration_with_a_model_and_its_endpoint_passes_at_start() => Assert.Null(StartFailure());

    [Fact]
    public void Without_the_verifier_its_folder_is_not_needed() =>
        Assert.Null(StartFailure(("Matching:UseVerifier", "false"), ("Matching:VerifierPath", "/nonexistent/verifier")));

    [Theory]
    // Messaging: MessagingOptions, LaneOptions (per lane, by its path)
    [InlineData("Messaging:RabbitMqUri", "http://127.0.0.1/", "Messaging:RabbitMqUri must be an absolute amqp:// or amqps:// URI.")]
    [InlineData("Messaging:RabbitMqUri", "", "The MessagingOptions.RabbitMqUri field is required.")]
    [InlineData("Messaging:MaxBodyBytes", "1", "The field MessagingOptions.MaxBodyBytes must be between 1024 and 67108864.")]
    [InlineData("Messaging:TlsCaCertificateFile", "/nonexistent/ca.pem", "Messaging:TlsCaCertificateFile does not exist.")]
    [InlineData("Messaging:Lanes:bad name!:ConcurrencyLimit", "4", "Messaging:Lanes names must be 1-64 letters, digits, '-' or '_' ('bad name!' is not).")]
    [InlineData("Messaging:Lanes:default:PrefetchCount", "2", "Messaging:Lanes:default:PrefetchCount must be at least ConcurrencyLimit")]
    [InlineData("Messaging:Lanes:default:BatchMaxSize", "500", "Messaging:Lanes:default:BatchMaxSize cannot exceed ConcurrencyLimit")]
    [InlineData("Messaging:Lanes:gpu:BatchWindow", "00:00:10", "The field Messaging:Lanes:gpu.BatchWindow must be between 00:00:00 and 00:00:05.")]
    // Publishing: ResultsOptions
    [InlineData("Results:PublisherChannels", "0", "The field ResultsOptions.PublisherChannels must be between 1 and 64.")]
    // Providers: ProvidersOptions, ProviderResilienceOptions, ProviderEndpointOptions, ModelOptions
    [InlineData("Providers:Resilience:AttemptTimeout", "00:00:00", "The field ProvidersOptions.Resilience.AttemptTimeout must be between 00:00:00.1000000 and 01:00:00.")]
    [InlineData("Providers:Resilience:TotalTimeout", "00:01:00", "Providers:Resilience:TotalTimeout must be at least AttemptTimeout.")]
    [InlineData("Providers:Resilience:CircuitSamplingDuration", "00:03:00", "Providers:Resilience:CircuitSamplingDuration must be at least twice AttemptTimeout.")]
    [InlineData("Providers:Endpoints:sim:MaxConnectionsPerServer", "0", "The field Providers:Endpoints:sim.MaxConnectionsPerServer must be between 1 and 10000.")]
    [InlineData("Providers:Endpoints:sim:BaseUrl", "v1/", "Providers:Endpoints:sim:BaseUrl must be an absolute URL.")]
    [InlineData("Providers:Models:sim-small:MaxOutputTokens", "0", "The field Providers:Models:sim-small.MaxOutputTokens must be between 1 and 1000000.")]
    [InlineData("Providers:Models:sim-small:Endpoints:1", "gone", "Providers:Models:sim-small routes to endpoint 'gone', which is not configured under Providers:Endpoints.")]
    [InlineData("Providers:Models:sim-small:Tokenizer", "gpt2", "Providers:Models:sim-small:Tokenizer 'gpt2' is not one of")]
    [InlineData("Providers:Models:sim-small:ContextWindow", "100", "Providers:Models:sim-small: MaxOutputTokens (4096) exceeds ContextWindow (100).")]
    // Caching: CacheOptions
    [InlineData("Cache:KeyPrefix", "two words", "The field CacheOptions.KeyPrefix must match the regular expression")]
    [InlineData("Cache:MaxLifetime", "00:00:02", "Cache:MaxLifetime must be at least Cache:Ttl.")]
    [InlineData("Cache:WarmFile", "/nonexistent/warm.jsonl", "Cache:WarmFile does not exist.")]
    [InlineData("Cache:TlsCaCertificateFile", "/nonexistent/ca.pem", "Cache:TlsCaCertificateFile does not exist.")]
    // Embeddings, Matching, Coalescing: EmbeddingOptions, MatchOptions, ReuseOptions
    [InlineData("Embeddings:MaxBatchSize", "0", "The field EmbeddingOptions.MaxBatchSize must be between 1 and 1024.")]
    [InlineData("Matching:SimilarityThreshold", "0.2", "The field MatchOptions.SimilarityThreshold must be between 0.5 and 1.")]
    [InlineData("Matching:MaxWrongRate", "0.5", "The field MatchOptions.MaxWrongRate must be between 0.001 and 0.1.")]
    [InlineData("Matching:VerifierPath", "/nonexistent/verifier", "Matching:VerifierPath /nonexistent/verifier lacks pair-verifier.onnx, verifier.json, calibration.json")]
    [InlineData("Matching:CandidateFloor", "0.6", "Matching:CandidateFloor 0.6 is below the verifier's calibration floor 0.75")]
    [InlineData("Reuse:MaxTemperature", "3", "The field ReuseOptions.MaxTemperature must be between 0 and 2.")]
    // Tenancy: TenantsOptions, TenantOptions (registered by AddRequestProcessing)
    [InlineData("Tenants:MaxLaneShare", "0", "MaxLaneShare must be between 0.01 and 1.")]
    [InlineData("Tenants:Default:RequestsPerMinute", "0", "RequestsPerMinute")]
    [InlineData("Tenants:ByTenant:acme:MaxPriority", "12", "MaxPriority")]
    public void Bad_value_fails_at_start_with_a_message_naming_the_option(string key, string value, string expected) =>
        Assert.Contains(expected, StartFailure((key, value)), StringComparison.Ordinal);

    /// <summary>What IStartupValidator reports for the worker with one provider model and these settings; null when it starts.</summary>
    private static string? StartFailure(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Providers:Endpoints:sim:BaseUrl"] = "http://127.0.0.1:1/v1/",
            ["Providers:Models:sim-small:Endpoints:0"] = "sim",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.AddPromptQueueWorker();
        using var host = builder.Build();
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            return ex.Message;
        }
    }
}
