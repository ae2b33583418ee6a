using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Tests.Providers;

public class ProvidersOptionsCustomValidatorTests
{
    private readonly ProvidersOptionsCustomValidator _validator = new();

    [Fact]
    public void Default_sample_configuration_is_valid() =>
        Assert.True(_validator.Validate(null, TestRequests.Providers()).Succeeded);

    [Fact]
    public void Model_routed_to_an_unknown_endpoint_fails_with_its_path()
    {
        var options = TestRequests.Providers();
        options.Models["sim-small"].Endpoints.Add("missing");

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Providers:Models:sim-small routes to endpoint 'missing'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Circuit_sampling_shorter_than_twice_the_attempt_timeout_fails()
    {
        var options = TestRequests.Providers();
        options.Resilience.AttemptTimeout = TimeSpan.FromMinutes(2);
        options.Resilience.CircuitSamplingDuration = TimeSpan.FromMinutes(3);

        Assert.Contains("CircuitSamplingDuration", _validator.Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_without_base_url_fails()
    {
        var options = TestRequests.Providers();
        options.Endpoints["sim"].BaseUrl = null;

        Assert.Contains("Providers:Endpoints:sim", _validator.Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Api_key_is_read_from_the_named_environment_variable()
    {
        Environment.SetEnvironmentVariable("PQ_TEST_KEY_VAR", "from-env");
        var endpoint = new ProviderEndpointOptions { BaseUrl = new Uri("http://127.0.0.1/"), ApiKeyEnvironmentVariable = "PQ_TEST_KEY_VAR" };

        Assert.Equal("from-env", endpoint.ResolveApiKey());
    }
}
