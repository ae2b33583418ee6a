using PromptQueue.Contracts;
using PromptQueue.Worker.Coalescing;

namespace PromptQueue.Worker.Tests.Coalescing;

public sealed class RequestFingerprintTests
{
    private static string ExactKey(CompletionRequest request, string? shared = null) => RequestFingerprint.Exact(request, RequestFingerprint.Scope(request, shared));

    private static CompletionRequest Ask(ChatContent content, string tenant = "acme") =>
        TestRequests.Valid() with { TenantId = tenant, Messages = [new ChatMessage { Role = "system", Content = "Be brief." }, new ChatMessage { Role = "user", Content = content }] };

    [Fact]
    public void Surrounding_whitespace_and_a_lone_text_part_give_the_same_key()
    {
        var plain = ExactKey(Ask("Café opening hours?"));

        Assert.Equal(plain, ExactKey(Ask("  Café opening hours?\n")));
        Assert.Equal(plain, ExactKey(Ask(new ChatContent { Parts = [new ContentPart { Type = "text", Text = "Café opening hours?" }] })));
    }

    [Fact]
    public void Inner_whitespace_tenants_and_parameters_change_the_key()
    {
        var plain = ExactKey(Ask("def f():\n    return 1"));

        Assert.NotEqual(plain, ExactKey(Ask("def f():\n  return 1")));
        Assert.NotEqual(plain, ExactKey(Ask("def f():\n    return 1", tenant: "other")));
        Assert.NotEqual(plain, ExactKey(Ask("def f():\n    return 1") with { Temperature = 0.7 }));
    }

    [Fact]
    public void Tenants_of_one_shared_scope_share_keys_and_nobody_else_does()
    {
        var a = Ask("Opening hours?", tenant: "a");
        var b = Ask("Opening hours?", tenant: "b");

        Assert.Equal(ExactKey(a, shared: "faq"), ExactKey(b, shared: "faq"));
        Assert.NotEqual(ExactKey(a), ExactKey(b));
        Assert.NotEqual(ExactKey(a, shared: "faq"), ExactKey(a));
    }
}
