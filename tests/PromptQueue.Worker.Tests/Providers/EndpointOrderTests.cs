using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;

namespace PromptQueue.Worker.Tests.Providers;

public class EndpointOrderTests
{
    private static readonly ModelOptions Model = new() { Endpoints = ["a", "b", "c", "d"] };

    [Fact]
    public void Requests_sharing_a_prompt_prefix_go_to_the_same_endpoint_and_different_prefixes_spread()
    {
        var firsts = Enumerable.Range(0, 40).Select(i => ProviderRouter.EndpointOrder(Model, WithSystem($"Template {i}", "question one")).First()).ToList();

        Assert.All(Enumerable.Range(0, 40), i =>
            Assert.Equal(firsts[i], ProviderRouter.EndpointOrder(Model, WithSystem($"Template {i}", "a different question")).First()));
        Assert.True(firsts.Distinct().Count() >= 3, "prefixes spread over the endpoints");
    }

    [Fact]
    public void Every_endpoint_stays_as_a_fallback()
    {
        var order = ProviderRouter.EndpointOrder(Model, WithSystem("Template", "q")).ToList();

        Assert.Equal(["a", "b", "c", "d"], order.Order());
    }

    [Fact]
    public void Failover_routing_and_prompts_without_prefix_keep_the_configured_order()
    {
        Assert.Equal(["a", "b", "c", "d"], ProviderRouter.EndpointOrder(new ModelOptions { Endpoints = ["a", "b", "c", "d"], Routing = EndpointRouting.Failover }, WithSystem("T", "q")));
        Assert.Equal(["a", "b", "c", "d"], ProviderRouter.EndpointOrder(Model, TestRequests.Valid("no system prompt")));
    }

    private static CompletionRequest WithSystem(string system, string question) => TestRequests.Valid(question) with
    {
        Messages = [new ChatMessage { Role = "system", Content = system }, new ChatMessage { Role = "user", Content = question }],
    };
}
