using PromptQueue.Contracts;
using PromptQueue.Worker.Providers;
using PromptQueue.Worker.Tokens;

namespace PromptQueue.Worker.Tests.Tokens;

public class TokenCounterTests
{
    [Fact]
    public void Chat_prompt_is_counted_with_openai_message_overheads()
    {
        var counter = new TokenCounter(new StaticOptionsMonitor<ProvidersOptions>(TestRequests.Providers()));
        var request = TestRequests.Valid("Hello world") with
        {
            Messages = [new ChatMessage { Role = "system", Content = "Be brief." }, new ChatMessage { Role = "user", Content = "Hello world" }],
        };

        // o200k_base: "Be brief." = 3, "Hello world" = 2, roles 1 each; 3 per message, 3 to prime the reply.
        Assert.Equal(3 + (3 + 1 + 3) + (3 + 1 + 2), counter.CountPrompt(request));
    }

    [Fact]
    public void Model_configured_for_cl100k_uses_that_encoding()
    {
        var providers = TestRequests.Providers();
        providers.Models["sim-small"].Tokenizer = "cl100k_base";
        var counter = new TokenCounter(new StaticOptionsMonitor<ProvidersOptions>(providers));

        Assert.True(counter.CountPrompt(TestRequests.Valid("Antidisestablishmentarianism")) > 5);
    }
}
